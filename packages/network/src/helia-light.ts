import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { NotStartedError } from '@libp2p/interface'
import { peerIdFromCID } from '@libp2p/peer-id'
import type { AbortOptions } from 'abort-error'
import type { Helia } from 'helia'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import type { CID } from 'multiformats/cid'
import type { MultihashHasher } from 'multiformats/hashes/interface'

/**
 * Helia's core class, loaded from the file that defines it. `helia`'s entry point also imports `@helia/http` and
 * `@helia/libp2p`, whose module-level `libp2pDefaults` imports every transport and service Helia can use (WebRTC and
 * its native `node-datachannel`, WebSockets, circuit relay, UPnP, AutoTLS with an ACME client, mDNS, delegated
 * routing...). A daemon uses none of them, and loading them cost ~60 MiB of RSS (bench/results/daemon.md). A Helia
 * upgrade that moves the file fails here, at start, loudly.
 */
const heliaDir = dirname(fileURLToPath(import.meta.resolve('helia')))
const { Helia: HeliaClass } = (await import(pathToFileURL(join(heliaDir, 'helia.js')).href)) as {
  Helia: new (init: Record<string, unknown>) => Helia
}
const { version: HELIA_VERSION } = (await import(pathToFileURL(join(heliaDir, 'version.js')).href)) as {
  version: string
}

/** What Helia asks of a router; the part of its `Routing` interface libp2p's DHT answers. */
interface PeerInfoLike {
  id: PeerId
  multiaddrs: unknown[]
}

/** Helia's routing over libp2p's content and peer routing (the DHT), as `@helia/libp2p` wires it. */
class Libp2pRouter {
  readonly name = 'libp2p-router'
  readonly #libp2p: Libp2p

  constructor(libp2p: Libp2p) {
    this.#libp2p = libp2p
  }

  async provide(cid: CID, options?: AbortOptions): Promise<void> {
    await this.#libp2p.contentRouting.provide(cid, options)
  }

  async cancelReprovide(cid: CID, options?: AbortOptions): Promise<void> {
    await this.#libp2p.contentRouting.cancelReprovide(cid, options)
  }

  async *findProviders(cid: CID, options?: AbortOptions) {
    for await (const p of this.#libp2p.contentRouting.findProviders(cid, options)) {
      yield { ...Libp2pRouter.#peer(p), fallback: false }
    }
  }

  async put(key: Uint8Array, value: Uint8Array, options?: AbortOptions): Promise<void> {
    await this.#libp2p.contentRouting.put(key, value, options)
  }

  async get(key: Uint8Array, options?: AbortOptions): Promise<Uint8Array> {
    return new Uint8Array(await this.#libp2p.contentRouting.get(key, options))
  }

  async findPeer(peer: CID, options?: AbortOptions) {
    return Libp2pRouter.#peer(await this.#libp2p.peerRouting.findPeer(peerIdFromCID(peer as never), options))
  }

  async *getClosestPeers(key: Uint8Array, options?: AbortOptions) {
    for await (const p of this.#libp2p.peerRouting.getClosestPeers(key, options)) yield Libp2pRouter.#peer(p)
  }

  static #peer(info: PeerInfoLike) {
    return { ...info, id: info.id.toCID(), router: 'libp2p-router' }
  }
}

/** A Helia node with a libp2p host made from exactly `libp2p` (no defaults added) and no block broker yet. */
export function heliaWithLibp2p(init: {
  blockstore: Blockstore
  datastore: Datastore
  libp2p: Libp2pOptions
  hashers?: MultihashHasher[]
}): Helia & { libp2p: Libp2p } {
  const helia = new HeliaClass({ name: 'helia', version: HELIA_VERSION, ...init, libp2p: undefined }) as Helia & {
    libp2p: Libp2p
    addMixin(m: { name: string; start(h: unknown): Promise<void>; stop(): Promise<void> }): void
    hasRouter(name: string): boolean
    addRouter(r: unknown): void
  }
  let libp2p: Libp2p | undefined
  Object.defineProperty(helia, 'libp2p', {
    configurable: true,
    enumerable: true,
    get() {
      if (libp2p == null) throw new NotStartedError()
      return libp2p
    },
  })
  helia.addMixin({
    name: 'libp2p',
    start: async () => {
      const opts = init.libp2p
      opts.nodeInfo = { name: 'helia', version: HELIA_VERSION, ...opts.nodeInfo }
      libp2p ??= await createLibp2p(opts)
      if (!helia.hasRouter('libp2p-router')) helia.addRouter(new Libp2pRouter(libp2p))
      await libp2p.start()
    },
    stop: async () => {
      await libp2p?.stop()
    },
  })
  return helia
}
