/** `semantic/*`: the node's vector index over RPC (`network=true` searches peers too). */

import { InvalidParameterError } from '@ipfrs/core'
import type { LocalNodeApi, SemanticDhtRoutingStats } from '@ipfrs/node-api'
import { sendJson } from './http-util.js'
import type { RpcCommand } from './rpc-context.js'

function parseMinScore(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (!Number.isFinite(n)) throw new InvalidParameterError('min-score', 'must be a number')
  return n
}

export const SEMANTIC_COMMANDS: Record<string, RpcCommand> = {
  'semantic/index': async ({ params, node, res, signal }) => {
    const r = await node.semantic.indexCid(params.arg('CID'), { signal })
    sendJson(res, {
      Cid: r.cid,
      Bytes: r.bytes,
      Truncated: r.truncated,
      PublishedTo: [...r.publishedTo],
      ...(r.kind !== undefined ? { Kind: r.kind, Chunks: r.chunks } : {}),
    })
  },
  'semantic/query': async ({ params, node, res, signal }) => {
    const minScore = parseMinScore(params.string('min-score'))
    const text = params.arg('query text')
    const k = params.int('k') ?? 10
    const layer = node.semantic
    const hits = params.bool('network', false)
      ? (await layer.searchNetwork(text, k, { signal })).filter((h) => minScore === undefined || h.score >= minScore)
      : await layer.query(text, k, { signal, ...(minScore !== undefined ? { minScore } : {}) })
    sendJson(res, {
      Results: hits.map((h) => ({
        Cid: h.cid,
        Score: h.score,
        ...('provider' in h && typeof h.provider === 'string' ? { Provider: h.provider } : {}),
        ...('snippet' in h && h.snippet !== undefined ? { Offset: h.offset, Snippet: h.snippet } : {}),
      })),
    })
  },
  'semantic/reindex': async ({ node, res, signal }) => {
    const r = await node.semantic.reindex({ signal })
    sendJson(res, {
      Reindexed: r.reindexed,
      Skipped: r.skipped.map((s) => ({ Cid: s.cid, Reason: s.reason })),
      Embedder: r.embedder,
    })
  },
  'semantic/stats': async ({ node, res }) => sendJson(res, semanticStatsBody(node)),
}

/** What `semantic/stats` answers (and `ipfrs semantic stats` prints): the index's size, its config, the DHT's view. */
export function semanticStatsBody(node: LocalNodeApi): Record<string, unknown> {
  const stats = node.semantic.stats()
  const network = stats.network
  return {
    Vectors: stats.vectors,
    Documents: stats.documents,
    EmbedderId: stats.embedder,
    ...(stats.mismatch !== undefined ? { Mismatch: stats.mismatch } : {}),
    ...node.config.Semantic,
    Online: network !== undefined,
    ...(network
      ? {
          PeerID: network.peerId,
          KnownPeers: network.knownPeers,
          PeersWithSummary: network.peersWithSummary,
          RecordsHeld: network.recordsHeld,
          Queries: network.queries,
          ...(network.dhtRouting ? { DhtRouting: dhtRoutingBody(network.dhtRouting) } : {}),
        }
      : {}),
  }
}

/** The LSH records path on kad-dht, as `semantic/stats` reports it. */
function dhtRoutingBody(r: SemanticDhtRoutingStats): Record<string, unknown> {
  return {
    RecordsHeld: r.recordsHeld,
    KeysHeld: r.keysHeld,
    RecordsRefused: r.recordsRefused,
    Searches: r.searches,
    Lookups: r.lookups,
    LookupCacheHits: r.lookupCacheHits,
    Requests: r.requests,
    RecordsProvided: r.recordsProvided,
    PendingProvide: r.pendingProvide,
    ...(r.recallEstimate !== undefined ? { RecallEstimate: r.recallEstimate } : {}),
  }
}
