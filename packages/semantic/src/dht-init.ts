import type { Libp2p } from '@libp2p/interface'
import type { PeerLink } from './dht-link.js'
import type { MetricsRecorder } from './dht-metrics.js'
import { DEFAULT_MAX_MESSAGE_BYTES } from './dht-protocol.js'
import type { RecordStore } from './dht-records.js'
import type { LshParams } from './lsh.js'
import type { LshRouting, LshRoutingInit } from './lsh-routing.js'
import type { VectorIndex } from './vector-index.js'

/** Enables the LSH record path (routing beyond connected peers); the hash family's dimension is the index's. */
export type SemanticLshInit = Omit<LshParams, 'dimension'> &
  Omit<LshRoutingInit, 'hasher' | 'metric' | 'self' | 'link' | 'requestTimeoutMs' | 'askProvider'> & {
    /** Re-publish this node's records this often (default half their TTL; 0 = never). */
    readonly reprovideMs?: number
    /**
     * What this node publishes and re-publishes, as (CID, vector): default every entry of the index. A node whose
     * index holds several vectors per document (chunks) publishes one per document.
     */
    readonly entries?: () => Iterable<readonly [string, Float32Array]>
  }

/** The parts of a libp2p node the semantic DHT uses (a full `Libp2p`, e.g. `network.libp2p`, fits). */
export type SemanticLibp2p = Pick<
  Libp2p,
  'peerId' | 'handle' | 'unhandle' | 'dialProtocol' | 'hangUp' | 'getConnections' | 'peerStore'
> &
  Pick<Libp2p, 'addEventListener' | 'removeEventListener'>

/** Construction options; everything but `libp2p` and `index` has a default. */
export interface SemanticDhtInit {
  readonly libp2p: SemanticLibp2p
  /** This peer's own vectors (it is their provider). */
  readonly index: VectorIndex
  /** Centroids per summary (default 8). */
  readonly centroids?: number
  /** Records held for other peers at most (default 100 000) and their default TTL (default 1 h). */
  readonly maxRecords?: number
  readonly recordTtlMs?: number
  /** Hard limit on one wire message (default 1 MiB). */
  readonly maxMessageBytes?: number
  /** Per-request timeout (default 5 s) and for a whole partial sync (default 30 s). */
  readonly requestTimeoutMs?: number
  readonly syncTimeoutMs?: number
  /** Peers asked in parallel per round (default 3) and at most per search (default 16). */
  readonly batchSize?: number
  readonly maxPeers?: number
  /** How long a peer that sent garbage stays dropped (default 10 min). */
  readonly badPeerMs?: number
  /** A summary older than this is re-pulled before it is used (default 60 s). */
  readonly summaryTtlMs?: number
  /** Send embeddings int8-quantized in announcements and syncs (default false). */
  readonly quantize?: boolean
  /**
   * Called with a local failure while serving a peer's request (the peer only hears `ERR_INTERNAL`); default: one
   * line on stderr.
   */
  readonly onInternalError?: (err: unknown, peer: string) => void
  /** Semantic routing over kad-dht with LSH records (absent: only connected peers are searched). */
  readonly lsh?: SemanticLshInit
}

/** The numeric and boolean settings, defaults filled in. */
export type DhtSettings = Required<Omit<SemanticDhtInit, 'libp2p' | 'index' | 'onInternalError' | 'lsh'>>

/** Fills in the defaults of `init`'s settings. */
export function resolveSettings(init: SemanticDhtInit): DhtSettings {
  return {
    centroids: init.centroids ?? 8,
    maxRecords: init.maxRecords ?? 100_000,
    recordTtlMs: init.recordTtlMs ?? 3600_000,
    maxMessageBytes: init.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    requestTimeoutMs: init.requestTimeoutMs ?? 5000,
    syncTimeoutMs: init.syncTimeoutMs ?? 30_000,
    batchSize: init.batchSize ?? 3,
    maxPeers: init.maxPeers ?? 16,
    badPeerMs: init.badPeerMs ?? 600_000,
    summaryTtlMs: init.summaryTtlMs ?? 60_000,
    quantize: init.quantize ?? false,
  }
}

/** What the parts of a SemanticDht (summary exchange, search, publishing, inbound handler) share. */
export interface DhtContext {
  readonly libp2p: SemanticLibp2p
  /** This peer's own vectors. */
  readonly index: VectorIndex
  /** Records held for other providers. */
  readonly records: RecordStore
  readonly link: PeerLink
  readonly metrics: MetricsRecorder
  readonly settings: DhtSettings
  /** The LSH record path, when enabled. */
  readonly lsh: LshRouting | undefined
  /** Aborted when the DHT stops; undefined while it is stopped. */
  readonly background: () => AbortSignal | undefined
}
