/**
 * The `semantic` commands' API: on an opened repo (local) or through a running daemon (its `semantic/*` RPC
 * commands, served from the daemon's node, whose semantic DHT is online).
 */
import { InvalidParameterError } from '@ipfrs/core'
import { type RpcCommand, sendJson } from '@ipfrs/interface'
import type { Node } from 'ipfrs'
import type { ApiClient } from './api-client.js'

/** One query hit; `provider` (a peer ID) is set for network searches. */
export interface SemanticHit {
  cid: string
  score: number
  provider?: string
}

/** What `semantic index` reports per CID. */
export interface SemanticIndexed {
  cid: string
  bytes: number
  truncated: boolean
  /** Peers that took a provider record (online only). */
  publishedTo: string[]
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
}

/** The semantic commands on a node (the CLI's opened repo, or the daemon's node). */
export function localSemanticApi(node: Node): CliSemanticApi {
  return {
    async indexCid(cid) {
      const r = await node.semantic.indexCid(cid)
      return { cid: r.cid, bytes: r.bytes, truncated: r.truncated, publishedTo: [...r.publishedTo] }
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
      return hits.map((h) => ({ cid: h.cid, score: h.score }))
    },
    async stats() {
      const layer = node.semantic
      const network = layer.isOnline ? layer.network.stats() : undefined
      return {
        Vectors: layer.store.size,
        ...node.config.Semantic,
        Online: layer.isOnline,
        ...(network
          ? {
              PeerID: network.peerId,
              KnownPeers: network.knownPeers,
              PeersWithSummary: network.peersWithSummary,
              RecordsHeld: network.recordsHeld,
              Queries: network.metrics.queries,
            }
          : {}),
      }
    },
  }
}

type WireHit = { Cid: string; Score: number; Provider?: string }

/** The semantic commands through a daemon's RPC API. */
export function remoteSemanticApi(api: ApiClient): CliSemanticApi {
  return {
    async indexCid(cid) {
      const r = await api.json<{ Cid: string; Bytes: number; Truncated: boolean; PublishedTo: string[] }>(
        'semantic/index',
        { arg: cid },
      )
      return { cid: r.Cid, bytes: r.Bytes, truncated: r.Truncated, publishedTo: r.PublishedTo }
    },
    async query(text, k, options = {}) {
      const out = await api.json<{ Results: WireHit[] }>('semantic/query', {
        arg: text,
        k,
        'min-score': options.minScore,
        network: options.network,
      })
      return out.Results.map((h) => ({ cid: h.Cid, score: h.Score, ...(h.Provider ? { provider: h.Provider } : {}) }))
    },
    stats: () => api.json('semantic/stats'),
  }
}

function parseMinScore(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (!Number.isFinite(n)) throw new InvalidParameterError('min-score', 'must be a number')
  return n
}

/** The daemon's `semantic/index`, `semantic/query` (`network=true` searches peers) and `semantic/stats`. */
export function semanticRpcCommands(node: Node): Record<string, RpcCommand> {
  const local = localSemanticApi(node)
  return {
    'semantic/index': async ({ params, res }) => {
      const r = await local.indexCid(params.arg('CID'))
      sendJson(res, { Cid: r.cid, Bytes: r.bytes, Truncated: r.truncated, PublishedTo: r.publishedTo })
    },
    'semantic/query': async ({ params, res }) => {
      const minScore = parseMinScore(params.string('min-score'))
      const hits = await local.query(params.arg('query text'), params.int('k') ?? 10, {
        network: params.bool('network', false),
        ...(minScore !== undefined ? { minScore } : {}),
      })
      sendJson(res, {
        Results: hits.map((h) => ({ Cid: h.cid, Score: h.score, ...(h.provider ? { Provider: h.provider } : {}) })),
      })
    },
    'semantic/stats': async ({ res }) => sendJson(res, await local.stats()),
  }
}
