import { mergeHits, type ProvidedHit } from './dht-records.js'
import { mulberry32 } from './random.js'
import type { Metric } from './vector-index.js'

/**
 * What a peer advertises about its searchable vectors: k-means centroids, how many vectors each holds, and the
 * radius of each (the largest Euclidean distance from a member to its centroid). With the radius, a querier can bound
 * the best score any vector of that peer could reach, and skip peers that cannot improve its top-k. For the cosine
 * metric everything is computed on unit-normalized vectors. `version` changes whenever the contents change;
 * `epoch` only when the centroids are recomputed (partial-sync buckets are stable within an epoch).
 */
export interface PeerSummary {
  readonly version: number
  readonly epoch: number
  readonly dimension: number
  readonly metric: Metric
  readonly centroids: Float32Array[]
  readonly counts: number[]
  readonly radii: number[]
}

/** The vector in the space centroids live in: unit-normalized for cosine, unchanged otherwise. */
export function toCentroidSpace(metric: Metric, v: Float32Array): Float32Array {
  if (metric !== 'cosine') return v
  let n = 0
  for (const x of v) n += x * x
  if (n === 0) return v
  const s = 1 / Math.sqrt(n)
  const out = new Float32Array(v.length)
  for (let i = 0; i < v.length; i++) out[i] = (v[i] ?? 0) * s
  return out
}

function dist2(a: Float32Array, b: Float32Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    s += d * d
  }
  return s
}

/** Index of the centroid closest (Euclidean) to `v`, which must already be in centroid space. */
export function nearestCentroid(centroids: Float32Array[], v: Float32Array): number {
  let best = 0
  let bestD = Infinity
  for (let c = 0; c < centroids.length; c++) {
    const d = dist2(centroids[c] as Float32Array, v)
    if (d < bestD) {
      bestD = d
      best = c
    }
  }
  return best
}

/** Lloyd's k-means with k-means++ seeding; returns at most `k` centroids (fewer when there are fewer vectors). */
export function kmeans(vectors: Float32Array[], k: number, iterations = 12, seed = 1): Float32Array[] {
  if (vectors.length === 0) return []
  const dim = (vectors[0] as Float32Array).length
  const random = mulberry32(seed)
  const centroids: Float32Array[] = [Float32Array.from(vectors[Math.floor(random() * vectors.length)] as Float32Array)]
  const d2 = vectors.map((v) => dist2(v, centroids[0] as Float32Array))
  while (centroids.length < Math.min(k, vectors.length)) {
    const total = d2.reduce((a, b) => a + b, 0)
    if (total === 0) break // every vector coincides with a centroid
    let r = random() * total
    let pick = 0
    for (; pick < d2.length - 1; pick++) {
      r -= d2[pick] ?? 0
      if (r <= 0) break
    }
    const c = Float32Array.from(vectors[pick] as Float32Array)
    centroids.push(c)
    for (let i = 0; i < vectors.length; i++) d2[i] = Math.min(d2[i] ?? 0, dist2(vectors[i] as Float32Array, c))
  }
  for (let it = 0; it < iterations; it++) {
    const sums = centroids.map(() => new Float64Array(dim))
    const counts = centroids.map(() => 0)
    for (const v of vectors) {
      const c = nearestCentroid(centroids, v)
      counts[c] = (counts[c] ?? 0) + 1
      const s = sums[c] as Float64Array
      for (let i = 0; i < dim; i++) s[i] = (s[i] ?? 0) + (v[i] ?? 0)
    }
    let moved = false
    for (let c = 0; c < centroids.length; c++) {
      const n = counts[c] ?? 0
      if (n === 0) continue
      const s = sums[c] as Float64Array
      const cen = centroids[c] as Float32Array
      for (let i = 0; i < dim; i++) {
        const next = (s[i] ?? 0) / n
        if (Math.abs(next - (cen[i] ?? 0)) > 1e-7) moved = true
        cen[i] = next
      }
    }
    if (!moved) break
  }
  return centroids
}

/** Counts and radii of `vectors` (already in centroid space) around fixed `centroids`; empty centroids are dropped. */
export function describeClusters(
  centroids: Float32Array[],
  vectors: Iterable<Float32Array>,
): { centroids: Float32Array[]; counts: number[]; radii: number[] } {
  const counts = centroids.map(() => 0)
  const radii = centroids.map(() => 0)
  for (const v of vectors) {
    const c = nearestCentroid(centroids, v)
    counts[c] = (counts[c] ?? 0) + 1
    radii[c] = Math.max(radii[c] ?? 0, Math.sqrt(dist2(centroids[c] as Float32Array, v)))
  }
  const keep = centroids.map((_, i) => (counts[i] ?? 0) > 0)
  return {
    centroids: centroids.filter((_, i) => keep[i]),
    counts: counts.filter((_, i) => keep[i]),
    // float32 rounding in the centroids: pad the radius so the bound stays an upper bound
    radii: radii.filter((_, i) => keep[i]).map((r) => r * (1 + 1e-5) + 1e-6),
  }
}

/** How promising a peer is for a query: the score of its nearest centroid and the best score any member could reach. */
export interface PeerRank {
  /** Score of the query against the nearest centroid (ranks peers; higher is better). */
  readonly nearest: number
  /** An upper bound on the score of any vector the peer summarized (centroid score plus the radius). */
  readonly bound: number
}

/** Ranks a summary for `query` (raw, not yet in centroid space). An empty summary ranks at -Infinity. */
export function rankSummary(summary: PeerSummary, query: Float32Array): PeerRank {
  const q = toCentroidSpace(summary.metric, query)
  let qNorm = 0
  for (const x of q) qNorm += x * x
  qNorm = Math.sqrt(qNorm)
  let nearest = -Infinity
  let bound = -Infinity
  for (let c = 0; c < summary.centroids.length; c++) {
    const cen = summary.centroids[c] as Float32Array
    const r = summary.radii[c] ?? 0
    let s: number
    let b: number
    if (summary.metric === 'ip') {
      let dot = 0
      for (let i = 0; i < q.length; i++) dot += (q[i] ?? 0) * (cen[i] ?? 0)
      s = dot
      b = dot + qNorm * r // Cauchy-Schwarz: q·x = q·c + q·(x-c) <= q·c + |q| r
    } else {
      const d = Math.sqrt(dist2(q, cen))
      const e = Math.max(0, d - r) // triangle inequality: |q-x| >= |q-c| - r
      if (summary.metric === 'l2') {
        s = -d * d
        b = -e * e
      } else {
        s = 1 - (d * d) / 2 // unit vectors: |a-b|² = 2 - 2cos
        b = 1 - (e * e) / 2
      }
    }
    nearest = Math.max(nearest, s)
    bound = Math.max(bound, b)
  }
  return { nearest, bound }
}

/** Settings of a LocalSummary. */
export interface LocalSummaryInit {
  readonly metric: Metric
  readonly dimension: number
  /** Number of centroids (default 8). */
  readonly k?: number
  /** Every vector this peer can answer for (its index plus the records it holds). */
  readonly source: () => Iterable<Float32Array>
}

/**
 * This peer's own summary, recomputed lazily after `markDirty()`. The centroids are kept (only counts and radii are
 * recomputed, `version` goes up) until the number of vectors drifts by more than a third from when they were
 * computed; then k-means runs again and `epoch` goes up too.
 */
export class LocalSummary {
  readonly #init: LocalSummaryInit
  #summary: PeerSummary
  #centroids: Float32Array[] = []
  #clusteredCount = 0
  #dirty = true

  constructor(init: LocalSummaryInit) {
    this.#init = init
    this.#summary = {
      version: 0,
      epoch: 0,
      dimension: init.dimension,
      metric: init.metric,
      centroids: [],
      counts: [],
      radii: [],
    }
  }

  /** Contents changed: the next `get()` recomputes. */
  markDirty(): void {
    this.#dirty = true
  }

  /** The centroids of the current epoch (all of them, also empty ones), for bucketing. */
  epochCentroids(): Float32Array[] {
    this.get()
    return this.#centroids
  }

  /** The current summary. */
  get(): PeerSummary {
    if (!this.#dirty) return this.#summary
    this.#dirty = false
    const { metric, dimension } = this.#init
    const k = this.#init.k ?? 8
    const vectors = [...this.#init.source()].map((v) => toCentroidSpace(metric, v))
    let epoch = this.#summary.epoch
    const n = vectors.length
    const drifted = n > this.#clusteredCount * 1.34 || n < this.#clusteredCount * 0.75
    if (this.#centroids.length === 0 || drifted || (this.#centroids.length < k && n > this.#centroids.length)) {
      this.#centroids = kmeans(vectors, k, 12, epoch + 1)
      this.#clusteredCount = n
      epoch++
    }
    const described = describeClusters(this.#centroids, vectors)
    this.#summary = { version: this.#summary.version + 1, epoch, dimension, metric, ...described }
    return this.#summary
  }
}

/** A peer that speaks the protocol, and what we know of its summary. */
export interface KnownPeer<Id = unknown> {
  readonly id: Id
  summary?: PeerSummary
  /** When the summary arrived (ms since the epoch; 0 before the first). */
  receivedAt: number
  /** Highest summary version the peer mentioned since (in query answers). */
  seenVersion: number
  /** When we last asked for its summary (ms since the epoch; 0 never), to back off from failing peers. */
  attemptedAt: number
}

/** How up to date this peer's picture of the others is. */
export interface RoutingConvergence {
  /** Connected peers that speak the semantic protocol. */
  readonly knownPeers: number
  /** Of those, how many have a summary younger than the summary TTL and not behind a version they announced since. */
  readonly freshPeers: number
  /** freshPeers / knownPeers (1 when no peer is known). */
  readonly ratio: number
  /** Age of the oldest and mean summary (ms); Infinity for a known peer without one. */
  readonly maxStalenessMs: number
  readonly meanStalenessMs: number
}

/** The summaries held for other peers, keyed by peer ID string. */
export class SummaryTable<Id extends { toString(): string }> {
  readonly #peers = new Map<string, KnownPeer<Id>>()
  readonly #ttlMs: number

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs
  }

  get size(): number {
    return this.#peers.size
  }

  get(peer: string): KnownPeer<Id> | undefined {
    return this.#peers.get(peer)
  }

  /** Adds a peer without a summary; returns false when it was known already. */
  learn(id: Id): boolean {
    if (this.#peers.has(id.toString())) return false
    this.#peers.set(id.toString(), { id, receivedAt: 0, seenVersion: 0, attemptedAt: 0 })
    return true
  }

  /** Records a summary received from `id`. */
  set(id: Id, summary: PeerSummary, now = Date.now()): void {
    const known = this.#peers.get(id.toString()) ?? { id, receivedAt: 0, seenVersion: 0, attemptedAt: 0 }
    known.summary = summary
    known.receivedAt = now
    known.seenVersion = Math.max(known.seenVersion, summary.version)
    this.#peers.set(id.toString(), known)
  }

  delete(peer: string): void {
    this.#peers.delete(peer)
  }

  clear(): void {
    this.#peers.clear()
  }

  values(): IterableIterator<KnownPeer<Id>> {
    return this.#peers.values()
  }

  /** Whether the summary is younger than the TTL and no newer version was mentioned since. */
  isFresh(p: KnownPeer<Id>, now = Date.now()): boolean {
    return p.summary !== undefined && now - p.receivedAt < this.#ttlMs && p.seenVersion <= p.summary.version
  }

  /** Peers whose summary is not fresh and that were not asked within `backoffMs`. */
  due(backoffMs: number, now = Date.now()): Array<KnownPeer<Id>> {
    return [...this.#peers.values()].filter((p) => !this.isFresh(p, now) && now - p.attemptedAt >= backoffMs)
  }

  /** Freshness over every known peer. */
  convergence(now = Date.now()): RoutingConvergence {
    const peers = [...this.#peers.values()]
    const ages = peers.map((p) => (p.summary ? now - p.receivedAt : Infinity))
    const fresh = peers.filter((p) => this.isFresh(p, now)).length
    return {
      knownPeers: ages.length,
      freshPeers: fresh,
      ratio: ages.length === 0 ? 1 : fresh / ages.length,
      maxStalenessMs: ages.length === 0 ? 0 : Math.max(...ages),
      meanStalenessMs: ages.length === 0 ? 0 : ages.reduce((a, b) => a + b, 0) / ages.length,
    }
  }
}

/** Inputs of one best-first pass over candidate peers. */
export interface PeerSearchPlan<P> {
  readonly candidates: Array<{ readonly peer: P; readonly rank: PeerRank }>
  readonly k: number
  /** The hits known before asking anyone (the local ones). */
  readonly initial: ProvidedHit[]
  readonly maxPeers: number
  readonly batchSize: number
  /** Ask every candidate, ignoring bounds. */
  readonly exhaustive: boolean
  /** Asks one peer for its top k (a rejection skips the peer). */
  readonly ask: (peer: P) => Promise<ProvidedHit[]>
  readonly signal?: AbortSignal
}

/**
 * Asks candidates in order of their nearest centroid, `batchSize` at a time, skipping any whose bound cannot beat
 * the current k-th hit, until none is left or `maxPeers` were asked. Returns the merged top k and the effort spent.
 */
export async function searchPeers<P>(
  plan: PeerSearchPlan<P>,
): Promise<{ hits: ProvidedHit[]; contacted: number; hops: number }> {
  const { k, batchSize, maxPeers, exhaustive } = plan
  const queue = [...plan.candidates].sort((a, b) => b.rank.nearest - a.rank.nearest)
  let hits = plan.initial
  const kth = () => (hits.length < k ? -Infinity : (hits[k - 1] as ProvidedHit).score)
  let contacted = 0
  let hops = 0
  while (contacted < maxPeers) {
    const batch: P[] = []
    while (batch.length < batchSize && contacted + batch.length < maxPeers && queue.length > 0) {
      const c = queue.shift() as (typeof queue)[number]
      if (exhaustive || c.rank.bound > kth()) batch.push(c.peer)
    }
    if (batch.length === 0) break
    hops++
    contacted += batch.length
    const answers = await Promise.allSettled(batch.map((p) => plan.ask(p)))
    plan.signal?.throwIfAborted()
    for (const a of answers) if (a.status === 'fulfilled') hits = mergeHits(k, hits, a.value)
  }
  return { hits, contacted, hops }
}
