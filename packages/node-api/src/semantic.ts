/** The vector index of a node: `node.semantic` (enabled by the config's `Semantic.Enabled`). */
import type { AbortOptions } from './options.js'

/** One search hit. */
export interface SemanticHit {
  readonly cid: string
  readonly score: number
  /** Where the best-matching chunk starts in the document's text (UTF-16 code units), when the CID was indexed as text. */
  readonly offset?: number
  /** The start of the best-matching chunk, on one line. */
  readonly snippet?: string
}

/** A network search hit: which peer holds it. */
export interface ProvidedHit extends SemanticHit {
  readonly provider: string
}

/** Restricts a search; every field is optional. */
export interface SemanticQueryOptions extends AbortOptions {
  /** Drop hits scoring below this. */
  readonly minScore?: number
  /** Drop hits scoring above this. */
  readonly maxScore?: number
  /** Keep only CIDs (as strings) starting with this prefix. */
  readonly cidPrefix?: string
  /** Return at most this many hits (applied after `k`). */
  readonly maxResults?: number
}

/** What `indexCid` stored. */
export interface IndexCidResult {
  readonly cid: string
  /** Bytes of text embedded (at most `maxBytes`). */
  readonly bytes: number
  /** Whether the file was longer than `maxBytes` and only its start was embedded. */
  readonly truncated: boolean
  /** Online: the peers that took a record saying this node provides the CID. */
  readonly publishedTo: readonly string[]
  /** What the text was read as (`text`, `markdown`, `html`, `json`). */
  readonly kind?: string
  /** Chunks (about a paragraph each) embedded. */
  readonly chunks?: number
}

/** What `reindex` did. */
export interface ReindexResult {
  /** CIDs embedded again with the configured embedder. */
  readonly reindexed: number
  /** CIDs that could not be (no longer in the repo, not text, …), with why. */
  readonly skipped: ReadonlyArray<{ readonly cid: string; readonly reason: string }>
  /** The embedder that made the vectors now. */
  readonly embedder: string
}

/** The index's state, for `semantic stats` and `/health`. */
export interface SemanticStats {
  readonly vectors: number
  readonly started: boolean
  /** The embedder the index is (to be) made with, e.g. `use-lite/…/512` or `hashing-v1/384/…`. */
  readonly embedder?: string
  /** Documents (CIDs) indexed as text; each holds one vector per chunk. */
  readonly documents?: number
  /** Set when the index was made by another embedder than the configured one (queries refused until a reindex). */
  readonly mismatch?: string
  /** A corrupt snapshot found at start was rebuilt from the records log. */
  readonly recoveredFromCorruptSnapshot: boolean
  /** Online: the semantic DHT's view. */
  readonly network?: {
    readonly peerId: string
    readonly knownPeers: number
    readonly peersWithSummary: number
    readonly recordsHeld: number
    readonly queries: number
    /** With DHT routing on (`Semantic.DhtRouting`): the LSH records path on kad-dht. */
    readonly dhtRouting?: SemanticDhtRoutingStats
  }
}

/** The LSH records path of a node's semantic DHT (what `semantic stats` and the Prometheus metrics report). */
export interface SemanticDhtRoutingStats {
  /** Records and bucket keys held here for other providers (expired ones are never served). */
  readonly recordsHeld: number
  readonly keysHeld: number
  /** Records refused, by reason: malformed, dimension, oversized, expired, key, signature. */
  readonly recordsRefused: Readonly<Record<string, number>>
  readonly searches: number
  /** kad-dht lookups made, and lookups answered from the closest-peers cache. */
  readonly lookups: number
  readonly lookupCacheHits: number
  /** lput/lget/provider requests sent. */
  readonly requests: number
  /** Records of this node's documents that holders accepted, and documents waiting to be published. */
  readonly recordsProvided: number
  readonly pendingProvide: number
  /** Share of this node's own documents the records path finds (after a re-provide; absent until then). */
  readonly recallEstimate?: number
}

export interface SemanticApi {
  /** Embeds the UTF-8 text of the UnixFS file at `cid` (its first `maxBytes`) and stores it under the CID. */
  readonly indexCid: (cid: string, options?: AbortOptions & { maxBytes?: number }) => Promise<IndexCidResult>
  /** Embeds `text` and returns the `k` nearest indexed CIDs, best first. */
  readonly query: (text: string, k?: number, options?: SemanticQueryOptions) => Promise<SemanticHit[]>
  /** The `k` nearest CIDs across the network (this node included), each naming its provider (online only). */
  readonly searchNetwork: (query: string | Float32Array, k?: number, options?: AbortOptions) => Promise<ProvidedHit[]>
  readonly stats: () => SemanticStats
  /** Embeds every indexed CID again with the configured embedder (after changing `Semantic.Embedder`). */
  readonly reindex: (options?: AbortOptions) => Promise<ReindexResult>
}
