/**
 * The node's semantic DHT: a SemanticDht (`/ipfrs/semantic/1.0.0`) over the node's SemanticStore index, so peers
 * steer network searches by this node's summary, and each CID indexed here is announced to peers as a
 * VectorAnnotatedRecord naming this node as its provider. With DHT routing on (`Semantic.DhtRouting`, the default
 * online), each document's records are also published under LSH keys on the Kademlia DHT, in the background, signed
 * by this node's key, and re-provided every half TTL; network searches look those keys up too, so they reach peers
 * this node is not connected to.
 */
import { OfflineError } from '@ipfrs/network/errors'
import {
  type ClosestPeersLookup,
  type NetworkSearchOptions,
  type ProvidedHit,
  SemanticDht,
  type SemanticDhtMetrics,
  type SemanticLibp2p,
  type SemanticStore,
} from '@ipfrs/semantic'
import type { PrivateKey } from '@libp2p/interface'
import type { AbortOptions } from 'abort-error'

/** How long peers keep a record of what this node provides, unless told otherwise (1 h). */
export const DEFAULT_RECORD_TTL_MS = 3600_000

/** Construction options of a SemanticNetwork. */
export interface SemanticNetworkInit {
  /** The started libp2p node (`network.libp2p`). */
  readonly libp2p: SemanticLibp2p
  /** The node's semantic store; its index is what this node answers for. */
  readonly store: SemanticStore
  /** TTL of the records published for indexed CIDs (default DEFAULT_RECORD_TTL_MS). */
  readonly recordTtlMs?: number
  /** Peers a record is pushed to (default 3). */
  readonly replicas?: number
  /**
   * Semantic routing over kad-dht (LSH records): the node's libp2p (with `peerRouting`, i.e. kad-dht) and what to
   * publish, one (CID, vector) per document. Absent: only connected peers are searched.
   */
  readonly dhtRouting?: {
    readonly peerRouting: { readonly getClosestPeers: ClosestPeersLookup }
    readonly documents: () => Iterable<readonly [string, Float32Array]>
    /** Signs the records as their provider (the node's identity key). */
    readonly privateKey?: PrivateKey
    /** The LSH shape (`Semantic.LshTables`, `LshBits`, `LshProbes`, `LshReplicas`); each absent one keeps its default. */
    readonly lsh?: LshShape
  }
}

/** The LSH parameters a node's config sets. */
export interface LshShape {
  readonly tables?: number
  readonly bits?: number
  readonly probes?: number
  readonly replicas?: number
}

/** Network statistics for `semantic stats`. */
export interface SemanticNetworkStats {
  readonly peerId: string
  /** Peers known to speak the semantic protocol, and how many of them sent a summary. */
  readonly knownPeers: number
  readonly peersWithSummary: number
  /** Records held here for content other peers provide. */
  readonly recordsHeld: number
  readonly metrics: SemanticDhtMetrics
  /** Summary freshness and, with DHT routing on, the LSH path (`lsh`: records held, lookups, refusals, recall). */
  readonly routing?: ReturnType<SemanticDht['getRoutingConvergence']>
}

/** SemanticDht's LSH options from a node's LSH shape. */
function lshInit({ tables, bits, probes, replicas }: LshShape) {
  return {
    ...(tables === undefined ? {} : { tables }),
    ...(bits === undefined ? {} : { bits }),
    ...(replicas === undefined ? {} : { replicas }),
    ...(probes === undefined ? {} : { search: { probes } }),
  }
}

/** The semantic DHT of one online node. */
export class SemanticNetwork {
  readonly dht: SemanticDht
  readonly store: SemanticStore
  readonly #ttlMs: number
  readonly #replicas: number

  constructor(init: SemanticNetworkInit) {
    this.store = init.store
    this.#ttlMs = init.recordTtlMs ?? DEFAULT_RECORD_TTL_MS
    const routing = init.dhtRouting
    const key = routing?.privateKey
    this.dht = new SemanticDht({
      libp2p: init.libp2p,
      index: init.store.index,
      ...(routing
        ? {
            lsh: {
              closestPeers: (k, options) => routing.peerRouting.getClosestPeers(k, options),
              entries: routing.documents,
              ttlMs: this.#ttlMs,
              ...lshInit(routing.lsh ?? {}),
              ...(key ? { sign: (data: Uint8Array) => key.sign(data) } : {}),
            },
          }
        : {}),
    })
    this.#replicas = init.replicas ?? 3
  }

  /** The error thrown by network operations on an offline node. */
  static offlineError(): OfflineError {
    return new OfflineError('semantic search results from peers')
  }

  /** Registers the protocol handler and starts learning peers' summaries. */
  async start(options: AbortOptions = {}): Promise<void> {
    await this.dht.start(options)
  }

  /** Unregisters the handler. */
  async stop(options: AbortOptions = {}): Promise<void> {
    await this.dht.stop(options)
  }

  /**
   * Called after `cid` was indexed with `vector`: pushes the new summary and a provider record to connected peers,
   * and queues the CID's LSH records for the background publisher (the caller never waits for kad-dht).
   */
  async published(cid: string, vector: Float32Array, options: AbortOptions = {}): Promise<string[]> {
    this.dht.notifyIndexChanged()
    return this.dht.publishRecord(cid, vector, { ...options, ttlMs: this.#ttlMs, replicas: this.#replicas })
  }

  /** Merged top-`k` from this node and its peers; text is embedded with the store's embedder. */
  async search(query: string | Float32Array, k: number, options: NetworkSearchOptions = {}): Promise<ProvidedHit[]> {
    const vector = typeof query === 'string' ? await this.store.embedder.embed(query, options) : query
    return this.dht.searchSimilar(vector, k, options)
  }

  /** Peer, record and query statistics. */
  stats(): SemanticNetworkStats {
    const known = this.dht.knownPeers()
    return {
      peerId: this.dht.libp2p.peerId.toString(),
      knownPeers: known.length,
      peersWithSummary: known.filter((p) => p.summary !== undefined).length,
      recordsHeld: this.dht.records.size,
      metrics: this.dht.metrics(),
      ...(this.dht.lsh ? { routing: this.dht.getRoutingConvergence() } : {}),
    }
  }
}
