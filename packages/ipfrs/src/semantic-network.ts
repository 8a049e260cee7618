/**
 * The node's semantic DHT: a SemanticDht (`/ipfrs/semantic/1.0.0`) over the node's SemanticStore index, so peers
 * steer network searches by this node's summary, and each CID indexed here is announced to peers as a
 * VectorAnnotatedRecord naming this node as its provider.
 */
import { OfflineError } from '@ipfrs/network/errors'
import {
  type NetworkSearchOptions,
  type ProvidedHit,
  SemanticDht,
  type SemanticDhtMetrics,
  type SemanticLibp2p,
  type SemanticStore,
} from '@ipfrs/semantic'
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
}

/** The semantic DHT of one online node. */
export class SemanticNetwork {
  readonly dht: SemanticDht
  readonly store: SemanticStore
  readonly #ttlMs: number
  readonly #replicas: number

  constructor(init: SemanticNetworkInit) {
    this.store = init.store
    this.dht = new SemanticDht({ libp2p: init.libp2p, index: init.store.index })
    this.#ttlMs = init.recordTtlMs ?? DEFAULT_RECORD_TTL_MS
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

  /** Called after `cid` was indexed with `vector`: pushes the new summary and a provider record to peers. */
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
    }
  }
}
