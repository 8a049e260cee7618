/**
 * The `semantic` commands' API: on an opened repo (local) or through a running daemon (its `semantic/*` RPC
 * commands, served from the daemon's node, whose semantic DHT is online).
 */
import type { LocalNodeApi } from '@ipfrs/node-api'
import type { ApiClient } from './api-client.js'

/** One query hit; `provider` (a peer ID) is set for network searches. */
export interface SemanticHit {
  cid: string
  score: number
  provider?: string
  /** The best-matching chunk: where it starts in the document's text, and its first words. */
  offset?: number
  snippet?: string
}

/** What `semantic index` reports per CID. */
export interface SemanticIndexed {
  cid: string
  bytes: number
  truncated: boolean
  /** Peers that took a provider record (online only). */
  publishedTo: string[]
  /** What the text was read as, and how many chunks were embedded. */
  kind?: string
  chunks?: number
}

/** What `semantic reindex` reports. */
export interface SemanticReindexed {
  reindexed: number
  skipped: Array<{ cid: string; reason: string }>
  embedder: string
}

/** Options of a query: `network` searches peers too (online nodes only). */
export interface SemanticQueryOptions {
  minScore?: number
  network?: boolean
}

/** What the `semantic` commands need, from the repo (local) or from a daemon. */
export interface CliSemanticApi {
  indexCid(cid: string): Promise<SemanticIndexed>
  query(text: string, k: number, options?: SemanticQueryOptions): Promise<SemanticHit[]>
  stats(): Promise<Record<string, unknown>>
  reindex(): Promise<SemanticReindexed>
}

/** The semantic commands on a node (the CLI's opened repo, or the daemon's node). */
export function localSemanticApi(node: LocalNodeApi): CliSemanticApi {
  return {
    async indexCid(cid) {
      const r = await node.semantic.indexCid(cid)
      return { ...r, publishedTo: [...r.publishedTo] }
    },
    async query(text, k, options = {}) {
      const layer = node.semantic
      if (options.network === true) {
        const hits = await layer.searchNetwork(text, k)
        return hits
          .filter((h) => options.minScore === undefined || h.score >= options.minScore)
          .map((h) => ({ cid: h.cid, score: h.score, provider: h.provider }))
      }
      const hits = await layer.query(text, k, options.minScore === undefined ? {} : { minScore: options.minScore })
      return hits.map((h) => ({ ...h }))
    },
    async reindex() {
      const r = await node.semantic.reindex()
      return { ...r, skipped: [...r.skipped] }
    },
    // the same body the daemon's semantic/stats answers (loaded only here: the interface is server code)
    stats: async () => (await import('@ipfrs/interface')).semanticStatsBody(node),
  }
}

type WireHit = { Cid: string; Score: number; Provider?: string; Offset?: number; Snippet?: string }

/** The semantic commands through a daemon's RPC API. */
export function remoteSemanticApi(api: ApiClient): CliSemanticApi {
  return {
    async indexCid(cid) {
      const r = await api.json<{
        Cid: string
        Bytes: number
        Truncated: boolean
        PublishedTo: string[]
        Kind?: string
        Chunks?: number
      }>('semantic/index', { arg: cid })
      return {
        cid: r.Cid,
        bytes: r.Bytes,
        truncated: r.Truncated,
        publishedTo: r.PublishedTo,
        ...(r.Kind !== undefined ? { kind: r.Kind } : {}),
        ...(r.Chunks !== undefined ? { chunks: r.Chunks } : {}),
      }
    },
    async query(text, k, options = {}) {
      const out = await api.json<{ Results: WireHit[] }>('semantic/query', {
        arg: text,
        k,
        'min-score': options.minScore,
        network: options.network,
      })
      return out.Results.map((h) => ({
        cid: h.Cid,
        score: h.Score,
        ...(h.Provider ? { provider: h.Provider } : {}),
        ...(h.Offset !== undefined ? { offset: h.Offset } : {}),
        ...(h.Snippet !== undefined ? { snippet: h.Snippet } : {}),
      }))
    },
    stats: () => api.json('semantic/stats'),
    async reindex() {
      const r = await api.json<{
        Reindexed: number
        Skipped: Array<{ Cid: string; Reason: string }>
        Embedder: string
      }>('semantic/reindex')
      return {
        reindexed: r.Reindexed,
        skipped: r.Skipped.map((x) => ({ cid: x.Cid, reason: x.Reason })),
        embedder: r.Embedder,
      }
    },
  }
}
