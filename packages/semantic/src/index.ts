/**
 * @ipfrs/semantic: vector indexes (exact FlatIndex, HNSW on hnswlib-node), offline embedders, crash-safe index
 * persistence with delta snapshots, and the semantic DHT.
 */

export {
  type ChunkOptions,
  chunkText,
  type DocumentKind,
  type ExtractedText,
  extractText,
  snippetOf,
  type TextChunk,
} from './chunking.js'
export {
  BadMessageError,
  BadPeerError,
  InvalidRecordError,
  MessageTooLargeError,
  PeerRequestError,
  PeerTimeoutError,
  RecordRefusedError,
  type RefusalReason,
} from './dht-errors.js'
export type { SemanticDhtInit, SemanticLibp2p, SemanticLshInit } from './dht-init.js'
export type { SemanticDhtMetrics } from './dht-metrics.js'
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  type DhtMessage,
  decodeMessage,
  encodeMessage,
  SEMANTIC_PROTOCOL,
  type WireRecord,
} from './dht-protocol.js'
export {
  dequantizeInt8,
  embeddingOf,
  type ProvidedHit,
  type QuantizedEmbedding,
  quantizeInt8,
  RecordStore,
  type RecordStoreInit,
  type VectorAnnotatedRecord,
} from './dht-records.js'
export type { Embedder, EmbedOptions } from './embedder.js'
export { readEmbedderRecord } from './embedder-record.js'
export {
  CorruptSnapshotError,
  DimensionMismatchError,
  EmbedderMismatchError,
  type EmbedderRecord,
  EmbedderUnavailableError,
  InvalidParameterError,
  InvalidVectorError,
  NotStartedError,
  SnapshotMismatchError,
} from './errors.js'
export { FlatIndex, type FlatIndexOptions } from './flat-index.js'
/** The HNSW graph saved next to a full snapshot, so restarts skip re-inserting every vector. */
export { GRAPH_FILE, GRAPH_META, type GraphIndex, type GraphState, isGraphIndex } from './graph-file.js'
export { HnswIndex, type HnswIndexOptions, type HnswParams } from './hnsw-index.js'
export { LSH_SEED, LshHasher, type LshParams, type LshProbe } from './lsh.js'
export type { ClosestPeersLookup } from './lsh-holders.js'
export {
  chooseProviders,
  DEFAULT_LSH_SEARCH,
  type LshSearchParams,
  makeLshRecords,
  rankHeld,
  recordHits,
} from './lsh-ranking.js'
export {
  checkLshRecord,
  type HeldLshRecord,
  type LshPolicy,
  type LshRecord,
  LshStore,
  lshRecordBytes,
  type RefusalCounts,
  signedBytes,
} from './lsh-records.js'
export { LshRouting, type LshRoutingInit, type LshRoutingStatus } from './lsh-routing.js'
export type { NetworkSearchOptions } from './network-search.js'
export { computeBuckets, type PartialSyncResult } from './partial-sync.js'
export { kmeans, type PeerRank, type PeerSummary, type RoutingConvergence, rankSummary } from './peer-summaries.js'
export {
  decodeSnapshot,
  encodeSnapshot,
  FULL_FILE,
  IndexPersistence,
  type IndexPersistenceOptions,
  type LoadResult,
  type PersistenceStep,
  type SaveResult,
  type SnapshotHeader,
  type SnapshotRecord,
  writeFileAtomic,
} from './persistence.js'
export { mulberry32 } from './random.js'
export { RecordsLog, type ReplayResult } from './records-log.js'
export { SemanticDht } from './semantic-dht.js'
export { type RecoveryReport, SemanticStore, type SemanticStoreOptions } from './semantic-store.js'
export { HashingTextEmbedder, type HashingTextEmbedderOptions } from './text-embedder.js'
export type { Metric, SearchFilter, SearchHit, VectorIndex } from './vector-index.js'
export { METRICS, normalized, score, validateVector } from './vectors.js'
