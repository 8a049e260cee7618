import { withBitswap } from '@helia/bitswap'
import { type CID, formatCid, type NodeConfig } from '@ipfrs/core'
import type { Message } from '@libp2p/gossipsub'
import type { Libp2p, PeerId, PeerInfo, PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { AbortOptions } from 'abort-error'
import type { Helia } from 'helia'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'
import { Counter, type Registry } from 'prom-client'
import { dialTarget, parsePeerAddress, peerIdOf } from './addresses.js'
import { type Announcement, BlockAnnouncements } from './announcements.js'
import { blockHashers, digestMessageBlocks } from './block-digests.js'
import { type ClosestPeersDht, type ClosestPeersOptions, closestPeers } from './closest-peers.js'
import { ConnectionTrimmer } from './connection-trimmer.js'
import { untilDhtHasPeer } from './dht-peers.js'
import { BitswapHookError, OfflineError, PeerNotFoundError, RoutingDisabledError } from './errors.js'
import { heliaWithLibp2p } from './helia-light.js'
import { libp2pOptions } from './libp2p-options.js'
import { PeerScores, type WantListEvents } from './peer-scores.js'
import { sessionReader } from './session-reader.js'

export interface NetworkInit {
  config: NodeConfig
  privateKey: PrivateKey
  /** Where fetched blocks are stored and served from (the repo's block stack). */
  blockstore: Blockstore
  datastore: Datastore
  /** Publish libp2p's metrics (connections, streams, DHT, Bitswap) into this prom-client registry. */
  metricsRegistry?: Registry
}

/** One open connection, as `swarm peers` lists it. */
export interface PeerConnection {
  readonly peer: string
  readonly addr: string
  readonly direction: 'inbound' | 'outbound'
  /** Round-trip time in ms, as libp2p's connection monitor last measured it (absent until it has). */
  readonly rtt?: number
}

type HeliaNode = Helia & { libp2p: Libp2p<Record<string, unknown>> }

/**
 * The node's network side: a libp2p host (TCP and/or QUIC, Noise, Yamux, identify, ping, AutoNAT, Kademlia DHT,
 * GossipSub) under a Helia instance that brings Bitswap and sessions. Blocks fetched from peers go through Helia's
 * Bitswap, which derives each block's CID from its bytes, so a block that does not hash to what was asked is never
 * accepted; they are stored in the blockstore given here.
 */
export class Network {
  readonly helia: HeliaNode
  /** Bitswap delivery scores; peers that send bad blocks are banned. */
  readonly scores: PeerScores
  readonly #config: NodeConfig
  #announcements: BlockAnnouncements | undefined
  #trimmer: ConnectionTrimmer | undefined
  /** Who announced which root lately (CID string → peer IDs), to seed sessions with peers known to have it. */
  readonly #announcers = new Map<string, Set<string>>()
  /** Wants asked again because no block came in time (`ipfrs_bitswap_want_retries_total` when metrics are on). */
  wantRetries = 0
  /**
   * Reads of blocks the repo lacked that DAG reads (`session`) sent to Bitswap: two reads of one block at once count
   * twice (Helia sends one want for both); a want asked again does not count again.
   */
  blocksAsked = 0
  readonly #retryCounter: Counter | undefined

  private constructor(helia: HeliaNode, config: NodeConfig, scores: PeerScores, registry?: Registry) {
    this.helia = helia
    this.#config = config
    this.scores = scores
    const name = 'ipfrs_bitswap_want_retries_total'
    this.#retryCounter =
      registry == null
        ? undefined
        : ((registry.getSingleMetric(name) as Counter | undefined) ??
          new Counter({ name, help: 'Bitswap wants asked again after going unanswered', registers: [registry] }))
  }

  /** Builds the network (not started). Throws `ERR_INVALID_MULTIADDR` naming a bad `Bootstrap` entry. */
  static create(init: NetworkInit): Network {
    for (const entry of init.config.Bootstrap) parsePeerAddress(entry, { requirePeer: true })
    let network: Network | undefined
    const scores = new PeerScores({
      onBan: (peer) => {
        void network?.libp2p.hangUp(peer).catch(() => undefined)
      },
    })
    const options = libp2pOptions(init.config, { ...init, isBanned: (peer) => scores.isBanned(peer) })
    const withNet = heliaWithLibp2p({
      blockstore: init.blockstore,
      datastore: init.datastore,
      libp2p: options,
      hashers: blockHashers,
    })
    // Helia waits 10 ms after each new want before sending the want list, to batch wants: a DAG read pays that at
    // every level (root, interior node, leaves) before its first bytes, and the exporter asks for a node's children
    // in one synchronous burst anyway, so 1 ms still batches them. Received blocks are hashed on a worker, once
    // (digestBlocks, our patch's hook; block-digests.ts)
    const helia = withBitswap(
      withNet as never,
      {
        sendWantlistDebounce: 1,
        digestBlocks: digestMessageBlocks,
      } as never,
    ) as unknown as HeliaNode
    network = new Network(helia, init.config, scores, init.metricsRegistry)
    return network
  }

  async start(): Promise<void> {
    // Helia offers no public event for "a peer sent a block that failed verification": the scores listen on its
    // Bitswap want list, which is not part of its public types. A Helia upgrade that moves it must fail here, loudly,
    // rather than start a node that silently never bans a bad peer (test/bad-peer.int.test.ts proves the wiring)
    await this.helia.start()
    const wantList = bitswapWantList(this.helia)
    if (wantList == null) {
      await this.helia.stop()
      throw new BitswapHookError()
    }
    this.scores.attach(wantList)
    await this.#recordOwnAddresses()
    this.#announcements = new BlockAnnouncements(this.libp2p.services.pubsub as never)
    this.#announcements.onAnnouncement(({ cid, from }) => this.#rememberAnnouncer(cid, from))
    this.#announcements.start()
    this.#trimmer = new ConnectionTrimmer(this.libp2p, this.#config.Swarm.ConnMgr, this.scores)
    this.#trimmer.start()
  }

  /**
   * libp2p writes this node's own addresses to its peer store one second after it starts listening (debounced). Until
   * then kad-dht, asked for the providers of a block this node provides, answers without this node, and a peer that
   * asks right after our provide (before its copy of the fire-and-forget ADD_PROVIDER is stored) finds nobody.
   */
  async #recordOwnAddresses(): Promise<void> {
    const suffix = `/p2p/${this.libp2p.peerId.toString()}`
    const multiaddrs = this.libp2p
      .getMultiaddrs()
      .map((a) => (a.toString().endsWith(suffix) ? a.decapsulate(suffix) : a))
    await this.libp2p.peerStore.patch(this.libp2p.peerId, { multiaddrs })
  }

  async stop(): Promise<void> {
    this.#trimmer?.stop()
    this.#trimmer = undefined
    this.scores.detach()
    this.#announcements?.stop()
    this.#announcements = undefined
    this.#announcers.clear()
    await this.helia.stop()
  }

  get libp2p(): Libp2p<Record<string, unknown>> {
    return this.helia.libp2p
  }

  get peerId(): PeerId {
    return this.libp2p.peerId
  }

  /** The addresses peers can dial, each ending in `/p2p/<our id>`. */
  addresses(): string[] {
    return this.libp2p.getMultiaddrs().map((a) => a.toString())
  }

  /** Dials a multiaddr (with `/p2p/<id>`) or a known peer ID. */
  async connect(address: string, options: AbortOptions = {}): Promise<string> {
    const connection = await this.libp2p.dial(dialTarget(address), options)
    return connection.remotePeer.toString()
  }

  /** Closes every connection to a peer (given by ID or by a multiaddr ending in `/p2p/<id>`). */
  async disconnect(address: string, options: AbortOptions = {}): Promise<void> {
    const { peer } = address.startsWith('/') ? parsePeerAddress(address, { requirePeer: true }) : { peer: address }
    await this.libp2p.hangUp(peerIdOf(peer ?? address), options)
  }

  /** Open connections. */
  peers(): PeerConnection[] {
    return this.libp2p.getConnections().map((c) => ({
      peer: c.remotePeer.toString(),
      addr: c.remoteAddr.toString(),
      direction: c.direction,
      ...(c.rtt != null ? { rtt: c.rtt } : {}),
    }))
  }

  /** Announces to the DHT that this node provides `cid`, and tells GossipSub subscribers. */
  async provide(cid: CID, options: AbortOptions = {}): Promise<void> {
    await Promise.all([this.#dht(), this.#announcements?.announce(cid)])
    await untilDhtHasPeer(this.libp2p, options)
    await this.helia.routing.provide(cid, options)
  }

  /** Stops re-announcing `cid`; its records expire from the DHT after their TTL. */
  async stopProviding(cid: CID, options: AbortOptions = {}): Promise<void> {
    await this.#dht()
    // both DHTs (the public and the LAN one) re-announce it
    type Reproviding = { cancelReprovide?: (key: CID, o?: AbortOptions) => Promise<void> } | undefined
    const { dht, lanDHT } = this.libp2p.services as Record<string, Reproviding>
    await Promise.all([dht?.cancelReprovide?.(cid, options), lanDHT?.cancelReprovide?.(cid, options)])
  }

  /** Peers that provide `cid`, as found through the DHT (each at most once). */
  async *findProviders(cid: CID, options: AbortOptions = {}): AsyncGenerator<{ id: PeerId; multiaddrs: string[] }> {
    await this.#dht()
    await untilDhtHasPeer(this.libp2p, options)
    const seen = new Set<string>()
    for await (const provider of this.helia.routing.findProviders(cid, options)) {
      const id = peerIdFromString(provider.id.toString())
      if (seen.has(id.toString())) continue
      seen.add(id.toString())
      yield { id, multiaddrs: [...new Set(provider.multiaddrs.map((a) => a.toString()))] }
    }
  }

  /** The peers the DHTs find closest to `key`, closest first; with `count`, the lookup ends once those are known. */
  async closestPeers(key: Uint8Array, options: ClosestPeersOptions = {}): Promise<PeerInfo[]> {
    await this.#dht()
    const { dht, lanDHT } = this.libp2p.services as Record<string, ClosestPeersDht | undefined>
    return closestPeers(
      [dht, lanDHT].filter((d) => d != null),
      key,
      this.peerId,
      options,
    )
  }

  /** The addresses of a peer, from the peer store or the DHT. */
  async findPeer(peer: string, options: AbortOptions = {}): Promise<string[]> {
    const id = peerIdOf(peer)
    try {
      if (this.libp2p.services.dht != null) await untilDhtHasPeer(this.libp2p, options)
      const info = await this.libp2p.peerRouting.findPeer(id, options)
      return info.multiaddrs.map((a) => a.toString())
    } catch (err) {
      throw new PeerNotFoundError(peer, { cause: err })
    }
  }

  /** One libp2p ping (`/ipfs/ping/1.0.0`) to a peer, dialled if need be; the round-trip time in ms (fractional). */
  async ping(peer: string, options: AbortOptions = {}): Promise<number> {
    const id = peerIdOf(peer)
    const service = this.libp2p.services.ping as { ping(peer: PeerId, options?: AbortOptions): Promise<number> }
    // timed here, not by @libp2p/ping (whole milliseconds from Date.now(): 0 on loopback, where Kubo reports nanoseconds)
    await this.libp2p.dial(id, options)
    const start = performance.now()
    await service.ping(id, options)
    return performance.now() - start
  }

  /** Subscribes to a GossipSub topic; returns a function that unsubscribes. */
  subscribe(topic: string, handler: (data: Uint8Array, from: string) => void): () => void {
    const pubsub = this.libp2p.services.pubsub as {
      subscribe(t: string): void
      unsubscribe(t: string): void
      addEventListener(e: 'message', l: (evt: CustomEvent<Message>) => void): void
      removeEventListener(e: 'message', l: (evt: CustomEvent<Message>) => void): void
    }
    const listener = (evt: CustomEvent<Message>) => {
      const m = evt.detail
      if (m.topic === topic) handler(m.data, m.type === 'signed' ? m.from.toString() : '')
    }
    pubsub.subscribe(topic)
    pubsub.addEventListener('message', listener)
    return () => {
      pubsub.removeEventListener('message', listener)
      pubsub.unsubscribe(topic)
    }
  }

  async publish(topic: string, data: Uint8Array): Promise<void> {
    await (this.libp2p.services.pubsub as { publish(t: string, d: Uint8Array): Promise<unknown> }).publish(topic, data)
  }

  /** Block announcements from other nodes, each (CID, announcer) once. */
  onAnnouncement(listener: (a: Announcement) => void): () => void {
    if (this.#announcements == null) throw new OfflineError('announcements')
    return this.#announcements.onAnnouncement(listener)
  }

  /**
   * A blockstore for reading one DAG: local blocks first, missing ones from peers through a Bitswap session rooted at
   * `root` (providers found once, then asked for every block; a want left unanswered is asked again, see
   * `sessionReader`). Fails fast with `ERR_OFFLINE` when no peer is connected (or the last one disconnects while a block
   * is awaited), and each block's fetch gives up after
   * `Routing.FetchTimeoutSeconds` with `ERR_FETCH_TIMEOUT`.
   */
  session(root: CID, options: AbortOptions = {}): Pick<Blockstore, 'get' | 'has'> {
    const local = this.helia.blockstore
    return sessionReader({
      local,
      // only the signal goes to Helia: a caller's onProgress expects our typed events, not Helia's own ones
      newSession: () => local.createSession(root, { signal: options.signal, providers: this.#seedProviders(root) }),
      checkOnline: (cid) => {
        if (this.libp2p.getConnections().length === 0) throw new OfflineError(formatCid(cid))
      },
      whenOffline: (listener) => {
        // counted once the closed connection has left libp2p's list
        const closed = () => setImmediate(() => this.libp2p.getConnections().length === 0 && listener())
        this.libp2p.addEventListener('connection:close', closed)
        return () => this.libp2p.removeEventListener('connection:close', closed)
      },
      timeoutSeconds: this.#config.Routing.FetchTimeoutSeconds,
      onAsk: (cid) => {
        this.blocksAsked++
        this.scores.asking(cid)
      },
      onRetry: () => {
        this.wantRetries++
        this.#retryCounter?.inc()
      },
    })
  }

  /**
   * The peers a session asks first: those that announced the root, then the ones we are connected to (as Kubo's
   * Bitswap asks its connected peers before the DHT answers), each group fastest first, banned peers never.
   */
  #seedProviders(root: CID): CID[] {
    return this.providerHints(root).map((p) => peerIdFromString(p).toCID())
  }

  /**
   * The peers most likely to have `root` without a DHT lookup (at most 8): those that announced it, then the connected
   * ones, each group fastest first, banned peers never.
   */
  providerHints(root: CID): string[] {
    const announced = this.scores.rank([...(this.#announcers.get(root.toString()) ?? [])])
    const connected = this.scores.rank([...new Set(this.libp2p.getConnections().map((c) => c.remotePeer.toString()))])
    return [...new Set([...announced, ...connected])].slice(0, 8)
  }

  #rememberAnnouncer(cid: CID, from: string): void {
    const key = cid.toString()
    const peers = this.#announcers.get(key) ?? new Set<string>()
    peers.add(from)
    this.#announcers.delete(key)
    this.#announcers.set(key, peers)
    // bounded: the oldest announced roots are forgotten first
    while (this.#announcers.size > 10_000) this.#announcers.delete(this.#announcers.keys().next().value as string)
  }

  async #dht(): Promise<unknown> {
    const dht = this.libp2p.services.dht
    if (dht == null) throw new RoutingDisabledError()
    return dht
  }
}

/** Helia's Bitswap want list (it emits a `block` event per block received), found through its block brokers. */
function bitswapWantList(helia: unknown): WantListEvents | undefined {
  const brokers = (helia as { blockBrokers?: Array<{ name?: string; bitswap?: { wantList?: unknown } }> }).blockBrokers
  const wantList = brokers?.find((b) => b.name === 'bitswap')?.bitswap?.wantList as Partial<WantListEvents> | undefined
  return typeof wantList?.addEventListener === 'function' ? (wantList as WantListEvents) : undefined
}
