/**
 * The parts of an LSH network search that do not depend on how messages travel, shared by the real network
 * (lsh-routing.ts) and the simulator: making a CID's records, ranking held records for a query, merging candidates
 * and choosing which providers to ask for their own top-k.
 */
import { dequantizeInt8, type ProvidedHit, quantizeInt8 } from './dht-records.js'
import type { LshHasher } from './lsh.js'
import type { HeldLshRecord, LshRecord } from './lsh-records.js'
import type { Metric } from './vector-index.js'
import { score } from './vectors.js'

/** Tunables of a search; the defaults are the ones the simulator measured (bench/results/semantic-routing.md). */
export interface LshSearchParams {
  /** Probe keys looked up per query (default 8). */
  readonly probes: number
  /** Records a holder returns per request, best for the query first (default 20). */
  readonly perRequest: number
  /** Providers of the best candidates asked for their own top-k (default 2). */
  readonly askProviders: number
}

/** Default search tunables. */
export const DEFAULT_LSH_SEARCH: LshSearchParams = { probes: 8, perRequest: 20, askProviders: 2 }

/**
 * The records announcing that `provider` has `cid`: one per table, all carrying the int8 embedding. The keys are
 * derived from the dequantized embedding, so a holder re-deriving them from the record agrees.
 */
export function makeLshRecords(
  hasher: LshHasher,
  cid: string,
  provider: string,
  vector: Float32Array,
  created: number,
  ttlMs: number,
): LshRecord[] {
  const embedding = quantizeInt8(vector)
  return [...new Set(hasher.keys(dequantizeInt8(embedding)))].map((key) => ({
    key,
    cid,
    provider,
    embedding,
    created,
    ttlMs,
  }))
}

/** The `m` held records nearest `query`, one per (provider, CID), best first. */
export function rankHeld(
  held: Iterable<HeldLshRecord>,
  query: Float32Array,
  metric: Metric,
  m: number,
): HeldLshRecord[] {
  const best = new Map<string, { h: HeldLshRecord; s: number }>()
  for (const h of held) {
    const id = `${h.record.provider}\n${h.record.cid}`
    if (best.has(id)) continue
    best.set(id, { h, s: score(metric, query, h.vector) })
  }
  return [...best.values()]
    .sort((a, b) => b.s - a.s)
    .slice(0, m)
    .map((x) => x.h)
}

/** Candidate records turned into hits scored by their carried embeddings. */
export function recordHits(records: Iterable<LshRecord>, query: Float32Array, metric: Metric): ProvidedHit[] {
  const hits: ProvidedHit[] = []
  for (const r of records) {
    hits.push({ cid: r.cid, provider: r.provider, score: score(metric, query, dequantizeInt8(r.embedding)) })
  }
  return hits
}

/** The providers of the best hits, in order of their best hit, at most `n`, never `self`. */
export function chooseProviders(hits: readonly ProvidedHit[], n: number, self?: string): string[] {
  const out: string[] = []
  for (const h of [...hits].sort((a, b) => b.score - a.score)) {
    if (out.length >= n) break
    if (h.provider !== self && !out.includes(h.provider)) out.push(h.provider)
  }
  return out
}
