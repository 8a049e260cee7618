/**
 * Fetching tensors and safetensors models from peers into the repo: TensorSwap from the peers that speak it (several
 * at once, resuming from the chunks the repo already has), Bitswap for whatever TensorSwap could not deliver. Every
 * block is hash-verified before it is stored (TensorSwap checks each chunk against its manifest, Helia's Bitswap each
 * block against its CID), and the whole fetch holds the repo's shared GC lock, so GC never sweeps a half-fetched tensor.
 */
import { type CID, formatCid, IpfrsError, isIpfrsError, parseCid } from '@ipfrs/core'
import type { Network } from '@ipfrs/network'
import { OfflineError } from '@ipfrs/network/errors'
import type { TensorFetchOptions, TensorFetchResult } from '@ipfrs/node-api'
import type { Repo } from '@ipfrs/storage'
import {
  bytesOfChunks,
  getModelManifest,
  InvalidManifestError,
  isFileCid,
  missingChunks,
  readBlock,
  TENSORSWAP_PROTOCOL,
  type TensorManifest,
  TensorStore,
  type TensorSwap,
} from '@ipfrs/transport'
import type { Blockstore } from 'interface-blockstore'
import { CustomProgressEvent } from 'progress-events'
import { type FileFetch, type FileFetchContext, fetchModelFile, viaBitswap, viaTensorSwap } from './file-fetch.js'

/** How long a fetch looks for providers in the DHT when the connected peers could not deliver. */
const DEFAULT_FIND_TIMEOUT_MS = 5_000
/** At most this many DHT providers are tried. */
const MAX_DHT_PROVIDERS = 8

/** Options of `node.tensor.fetch`. */
/** Options of `node.tensor.fetch` (the contract's); progress comes as `tensor:fetch:chunk` events. */
export type { TensorFetchOptions, TensorFetchResult } from '@ipfrs/node-api'

/** A fetch that got neither over TensorSwap nor over Bitswap what it needed. */
export class TensorFetchError extends IpfrsError {
  static readonly code = 'ERR_TENSOR_FETCH_FAILED'
  static override readonly httpStatus = 502
  constructor(cid: string, why: string, options?: { cause?: unknown }) {
    super(TensorFetchError.code, `could not fetch ${cid}: ${why}`, options)
  }
}

/** Fetches tensor and model manifests and their chunks into a repo over a network. */
export class TensorFetcher {
  readonly #repo: Repo
  readonly #network: Network | undefined
  readonly #swap: TensorSwap | undefined
  readonly #store: TensorStore

  /** Without a network (an offline node) only content already in the repo "fetches"; the rest is `ERR_OFFLINE`. */
  constructor(repo: Repo, network?: Network, swap?: TensorSwap) {
    this.#repo = repo
    this.#network = network
    this.#swap = swap
    this.#store = new TensorStore({ blockstore: repo.blockstore })
  }

  /**
   * Fetches what the repo lacks of the tensor or model `cid`; see `TensorFetchResult`. A UnixFS file CID (a safetensors
   * or GGUF file) fetches its header's leaves, then one tensor's leaves (`name`) or the whole file, pinned only when
   * the whole file is here.
   */
  async fetch(cid: CID | string, options: TensorFetchOptions = {}): Promise<TensorFetchResult> {
    const root = parseCid(cid)
    if (isFileCid(root)) return (await this.fetchFile(root, options)).result
    return this.#repo.gcLock.shared(async () => {
      const result = await this.#fetch(root, options)
      if (options.pin !== false) await this.#repo.pins.add(root, { complete: true, signal: options.signal })
      return result
    })
  }

  /** The file fetch behind `fetch` for a file CID, with the file's manifest and header (see file-fetch.ts). */
  async fetchFile(root: CID, options: TensorFetchOptions & { header?: boolean } = {}): Promise<FileFetch> {
    return this.#repo.gcLock.shared(async () => {
      const ctx: FileFetchContext = {
        repo: this.#repo,
        network: this.#network,
        swap: this.#swap,
        providers: async () => (options.providers != null ? [...options.providers] : await this.#speakers()),
        failed: (cid, why, cause) => new TensorFetchError(cid, why, { cause }),
      }
      let total = 0
      const out = await fetchModelFile(ctx, root, options, (bytes) => {
        total += bytes
        options.onProgress?.(new CustomProgressEvent('tensor:fetch:chunk', { done: total, total: 0 }))
      })
      const whole = options.name === undefined && options.header !== true && options.manifestsOnly !== true
      if (whole && options.pin !== false) await this.#repo.pins.add(root, { complete: true, signal: options.signal })
      return out
    })
  }

  async #fetch(root: CID, options: TensorFetchOptions): Promise<TensorFetchResult> {
    const { signal } = options
    const key = formatCid(root)
    const tensors = await this.#tensorsOf(root, options)
    const manifests: Array<{ cid: CID; manifest: TensorManifest; missing: number[] }> = []
    for (const cid of tensors) {
      await this.#block(cid, root, options)
      const manifest = await this.#store.getManifest(cid, { signal })
      manifests.push({ cid, manifest, missing: await missingChunks(this.#repo.blockstore, manifest, { signal }) })
    }
    const result: TensorFetchResult = {
      cid: key,
      kind: tensors.length === 1 && tensors[0]?.equals(root) === true ? 'tensor' : 'model',
      tensors: tensors.length,
      chunks: manifests.reduce((n, m) => n + m.manifest.chunks.length, 0),
      alreadyHad: manifests.reduce((n, m) => n + m.manifest.chunks.length - m.missing.length, 0),
      viaTensorSwap: 0,
      viaBitswap: 0,
      bytes: 0,
      providers: [],
    }
    if (options.manifestsOnly === true) return result
    const total = manifests.reduce((n, m) => n + bytesOfChunks(m.manifest, m.missing), 0)
    const progress = (bytes: number) => {
      result.bytes += bytes
      options.onProgress?.(new CustomProgressEvent('tensor:fetch:chunk', { done: result.bytes, total }))
    }
    let candidates: string[] | undefined
    for (const m of manifests) {
      if (m.missing.length === 0) continue
      candidates ??= options.providers != null ? [...options.providers] : await this.#speakers()
      await this.#viaTensorSwap(m.cid, candidates, result, progress, options)
      let still = await missingChunks(this.#repo.blockstore, m.manifest, { signal })
      if (still.length > 0 && options.providers == null) {
        // the connected peers could not deliver it all: ask the DHT who else has the content
        const found = (await this.#dhtProviders(root, options)).filter((p) => !candidates?.includes(p))
        if (found.length > 0) {
          candidates.push(...found)
          await this.#viaTensorSwap(m.cid, found, result, progress, options)
          still = await missingChunks(this.#repo.blockstore, m.manifest, { signal })
        }
      }
      if (still.length > 0) await this.#viaBitswap(m.cid, m.manifest, still, result, progress, options)
    }
    return result
  }

  /** The tensor manifests behind `root`: its tensors when it is a model manifest, else `root` itself. */
  async #tensorsOf(root: CID, options: TensorFetchOptions): Promise<CID[]> {
    await this.#block(root, root, options)
    try {
      const model = await getModelManifest(this.#repo.blockstore as Blockstore, root, options)
      return Object.values(model.tensors)
    } catch (err) {
      if (isIpfrsError(err, InvalidManifestError.code)) return [root] // not a model: validated as a tensor next
      throw err
    }
  }

  /** Brings one block into the repo (local, else over Bitswap, verified by Helia before it is stored). */
  async #block(cid: CID, root: CID, options: TensorFetchOptions): Promise<void> {
    if (await this.#repo.blockstore.has(cid, options)) return
    const network = this.#online(cid)
    try {
      await readBlock(network.session(root, options) as Blockstore, cid, options)
    } catch (err) {
      if (options.signal?.aborted === true || isIpfrsError(err, OfflineError.code)) throw err
      throw new TensorFetchError(formatCid(cid), 'no peer delivered the manifest', { cause: err })
    }
  }

  /** The network, or `ERR_OFFLINE` naming what was missing. */
  #online(cid: CID): Network {
    if (this.#network == null) throw new OfflineError(`${formatCid(cid)} is not in the repo (the node is offline)`)
    return this.#network
  }

  /** Connected peers whose identify protocols include TensorSwap. */
  async #speakers(): Promise<string[]> {
    if (this.#network == null) return []
    const { libp2p } = this.#network
    const out = new Set<string>()
    for (const conn of libp2p.getConnections()) {
      const peer = await libp2p.peerStore.get(conn.remotePeer).catch(() => undefined)
      if (peer?.protocols.includes(TENSORSWAP_PROTOCOL) === true) out.add(conn.remotePeer.toString())
    }
    return [...out]
  }

  /** Providers of `root` from the DHT (at most a few, within `findTimeoutMs`); none when the lookup fails. */
  async #dhtProviders(root: CID, options: TensorFetchOptions): Promise<string[]> {
    if (this.#network == null) return []
    const network = this.#network
    const self = network.libp2p.peerId.toString()
    const timeout = AbortSignal.timeout(options.findTimeoutMs ?? DEFAULT_FIND_TIMEOUT_MS)
    const signal = options.signal != null ? AbortSignal.any([timeout, options.signal]) : timeout
    const out: string[] = []
    try {
      for await (const p of network.findProviders(root, { signal })) {
        const id = p.id.toString()
        if (id !== self && !out.includes(id)) out.push(id)
        if (out.length >= MAX_DHT_PROVIDERS) break
      }
    } catch (err) {
      if (options.signal?.aborted === true) throw err
    }
    return out
  }

  /** One TensorSwap fetch; a failure (no provider could deliver) leaves the rest to the caller. */
  #viaTensorSwap(
    cid: CID,
    providers: string[],
    result: TensorFetchResult,
    progress: (bytes: number) => void,
    options: TensorFetchOptions,
  ): Promise<void> {
    return viaTensorSwap(this.#swap, cid, providers, result, progress, options)
  }

  /** The given chunks over Bitswap, a few at a time, each verified by Helia and stored by the session. */
  #viaBitswap(
    cid: CID,
    manifest: TensorManifest,
    chunks: number[],
    result: TensorFetchResult,
    progress: (bytes: number) => void,
    options: TensorFetchOptions,
  ): Promise<void> {
    const session = this.#online(cid).session(cid, options) as Blockstore
    const failed = (c: string, why: string, cause: unknown) => new TensorFetchError(c, why, { cause })
    return viaBitswap(session, cid, manifest, chunks, result, progress, { ...options, failed })
  }
}
