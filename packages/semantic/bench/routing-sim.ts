// Semantic routing on Kademlia, simulated: 1,000, 10,000 and 100,000 peers (k=20, α=3) in memory, each holding a few
// documents with clustered embeddings. Indexing and search run the SAME key derivation (LshHasher), record making
// (makeLshRecords, int8 embeddings), record ranking (rankHeld, recordHits, mergeHits) and provider choice
// (chooseProviders) as the real network; only the messages are simulated. Reports recall@10 against a central exact
// index, messages / hops / bytes per query and per insert, and records stored per peer; in the same run the
// baseline of asking every peer in the querier's routing table (what a node reaches without the DHT path).
// Run after `pnpm --filter @ipfrs/semantic build`:  node bench/run.ts semantic-routing
// Writes bench/results/semantic-routing.{json,md}. BENCH_QUICK=1: 1,000 and 10,000 peers only.
import { performance } from 'node:perf_hooks'
import { type Row, writeReport } from '../../../bench/lib/report.ts'
import { mergeHits } from '../dist/dht-records.js'
import { LshHasher } from '../dist/lsh.js'
import { chooseProviders, DEFAULT_LSH_SEARCH, makeLshRecords, rankHeld, recordHits } from '../dist/lsh-ranking.js'
import { type HeldLshRecord, lshRecordBytes } from '../dist/lsh-records.js'
import { mulberry32 } from '../dist/random.js'
import { Kademlia } from './kademlia-sim.ts'

const QUICK = process.env.BENCH_QUICK === '1'
const SIZES = QUICK ? [1000, 10_000] : [1000, 10_000, 100_000]
const DIM = 64
const DOCS_PER_PEER = 4
const CLUSTERS_PER_1000 = 20
const QUERIES = 200
const INSERT_SAMPLE = 50
const K = 10
const TABLES = 8
const BITS = 8
/** Holders per key: the `REPLICAS` peers closest to it store its records. */
const REPLICAS = 20
const { probes: PROBES, perRequest: PER_REQUEST, askProviders: ASK } = DEFAULT_LSH_SEARCH
const PEER_ENTRY_BYTES = 60 // peer id (38) + one address, as a kad-dht FIND_NODE answer entry
const HIT_BYTES = 100 // one (CID, score, provider) hit
let recordBytes = 0

function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u())
}

function unit(v: Float32Array): Float32Array {
  let s = 0
  for (const x of v) s += x * x
  const n = Math.sqrt(s) || 1
  for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / n
  return v
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0)
  return s
}

function near(center: Float32Array, spread: number, u: () => number): Float32Array {
  return unit(Float32Array.from(center, (c) => c + (spread / Math.sqrt(DIM)) * normal(u)))
}

/** The indexes of the `k` largest scores, as document CIDs (a bounded selection, not a full sort). */
function topK(scores: Float32Array, k: number): Set<string> {
  const best: number[] = []
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!
    if (best.length === k && s <= scores[best[k - 1]!]!) continue
    let j = best.length === k ? k - 1 : best.length
    while (j > 0 && scores[best[j - 1]!]! < s) {
      best[j] = best[j - 1]!
      j--
    }
    best[j] = i
  }
  return new Set(best.map((i) => `d${i}`))
}

function run(n: number): Row[] {
  const t0 = performance.now()
  const u = mulberry32(7 + n)
  const dht = new Kademlia(n, 11 + n)
  const hasher = new LshHasher({ dimension: DIM, tables: TABLES, bits: BITS })
  const clusters = Array.from({ length: Math.max(20, (n / 1000) * CLUSTERS_PER_1000) }, () =>
    unit(Float32Array.from({ length: DIM }, () => normal(u))),
  )
  // each peer holds DOCS_PER_PEER documents, mostly of its home cluster
  const docs: Array<{ cid: string; peer: number; vector: Float32Array }> = []
  const byPeer: number[][] = Array.from({ length: n }, () => [])
  for (let p = 0; p < n; p++) {
    const home = Math.floor(u() * clusters.length)
    for (let j = 0; j < DOCS_PER_PEER; j++) {
      const c = u() < 0.8 ? home : Math.floor(u() * clusters.length)
      byPeer[p]?.push(docs.length)
      docs.push({ cid: `d${docs.length}`, peer: p, vector: near(clusters[c]!, 0.35, u) })
    }
  }
  // index: every document's records go to the REPLICAS peers closest to each of its keys
  const buckets = new Map<string, HeldLshRecord[]>()
  const now = Date.now()
  for (const d of docs) {
    const held = makeLshRecords(hasher, d.cid, String(d.peer), d.vector, now, 3600_000)
    for (const r of held) {
      const list = buckets.get(r.key) ?? []
      buckets.set(r.key, list)
      list.push({ record: r, vector: d.vector, expires: now + 3600_000 })
    }
  }
  const threshold = new Map<string, { id: number; thr: number }>()
  const perPeer = new Uint32Array(n)
  for (const [key, list] of buckets) {
    const id = Kademlia.keyId(key)
    const holders = dht.closest(id, REPLICAS)
    const last = holders[holders.length - 1] ?? 0
    threshold.set(key, { id, thr: ((dht.ids[last] ?? 0) ^ id) >>> 0 })
    for (const h of holders) perPeer[h] = (perPeer[h] ?? 0) + list.length
  }
  const holds = (p: number, key: string) => {
    const t = threshold.get(key)
    return t !== undefined && (dht.ids[p]! ^ t.id) >>> 0 <= t.thr
  }
  const sampleRecord = buckets.values().next().value?.[0]?.record
  recordBytes = sampleRecord ? lshRecordBytes(sampleRecord) : 0
  const queryBytes = DIM * 4 + 80 // vector + key + framing
  const setupS = (performance.now() - t0) / 1000

  // per insert: for each of the document's keys, a FIND_NODE to convergence, then one STORE per holder
  let insMsgs = 0
  let insHops = 0
  let insBytes = 0
  for (let s = 0; s < INSERT_SAMPLE; s++) {
    const d = docs[Math.floor(u() * docs.length)]!
    for (const key of new Set(hasher.keys(d.vector))) {
      const l = dht.lookup(d.peer, Kademlia.keyId(key))
      insMsgs += l.messages + REPLICAS
      insHops += l.hops + 1
      insBytes += l.messages * (80 + dht.k * PEER_ENTRY_BYTES) + REPLICAS * (recordBytes + 20)
    }
  }

  // queries: near a random document, from a random peer
  let recallDht = 0
  let recallRecordsOnly = 0
  let recallBase = 0
  let msgs = 0
  let hopsSum = 0
  let bytes = 0
  let baseMsgs = 0
  for (let q = 0; q < QUERIES; q++) {
    const from = Math.floor(u() * n)
    const vector = near(docs[Math.floor(u() * docs.length)]!.vector, 0.15, u)
    const scores = new Float32Array(docs.length)
    for (let i = 0; i < docs.length; i++) scores[i] = dot(vector, docs[i]!.vector)
    const truth = topK(scores, K)
    const recall = (hits: Array<{ cid: string }>) => hits.filter((h) => truth.has(h.cid)).length / K
    // the DHT path: look up each probe key (stop at the first holder), rank the records they return
    const records: HeldLshRecord[] = []
    let hops = 0
    for (const probe of hasher.probes(vector, PROBES)) {
      const bucket = buckets.get(probe.key) ?? []
      const answer = (p: number) => holds(p, probe.key)
      if (answer(from)) {
        records.push(...rankHeld(bucket, vector, 'cosine', PER_REQUEST))
        continue
      }
      const l = dht.lookup(from, Kademlia.keyId(probe.key), answer)
      const got = l.asked.filter(answer).length
      const top = rankHeld(bucket, vector, 'cosine', PER_REQUEST)
      for (let i = 0; i < got; i++) records.push(...top)
      msgs += l.messages
      hops = Math.max(hops, l.hops)
      bytes += l.messages * queryBytes
      bytes += (l.messages - got) * dht.k * PEER_ENTRY_BYTES + got * top.length * recordBytes
    }
    const candidates = mergeHits(
      K,
      recordHits(
        (function* () {
          for (const h of records) yield h.record
        })(),
        vector,
        'cosine',
      ),
    )
    recallRecordsOnly += recall(candidates)
    // then ask the providers of the best candidates for their own top-k
    const asked = chooseProviders(candidates, ASK, String(from))
    const own = asked.map((p) =>
      mergeHits(
        K,
        (byPeer[Number(p)] ?? []).map((i) => ({ cid: `d${i}`, provider: p, score: scores[i]! })),
      ),
    )
    msgs += asked.length
    bytes += asked.length * (queryBytes + K * HIT_BYTES)
    if (asked.length > 0) hops++
    hopsSum += hops
    recallDht += recall(mergeHits(K, candidates, ...own))
    // baseline: ask every peer in the querier's routing table (its connections) for their top-k
    const table = new Set([from, ...dht.known(from)])
    baseMsgs += table.size - 1
    recallBase += recall(
      mergeHits(
        K,
        [...table].flatMap((p) => (byPeer[p] ?? []).map((i) => ({ cid: `d${i}`, provider: '', score: scores[i]! }))),
      ),
    )
  }
  const sorted = Array.from(perPeer).sort((a, b) => a - b)
  const row: Row = {
    peers: n,
    docs: docs.length,
    'recall@10 (DHT)': (recallDht / QUERIES).toFixed(3),
    'recall@10 (records only)': (recallRecordsOnly / QUERIES).toFixed(3),
    'msgs/query': (msgs / QUERIES).toFixed(1),
    'hops/query': (hopsSum / QUERIES).toFixed(2),
    'KiB/query': (bytes / QUERIES / 1024).toFixed(1),
    'msgs/insert': (insMsgs / INSERT_SAMPLE).toFixed(1),
    'hops/insert': (insHops / INSERT_SAMPLE / TABLES).toFixed(2),
    'KiB/insert': (insBytes / INSERT_SAMPLE / 1024).toFixed(1),
    'records/peer mean': (sorted.reduce((a, b) => a + b, 0) / n).toFixed(0),
    'records/peer p99': sorted[Math.floor(n * 0.99)] ?? 0,
    'records/peer max': sorted[n - 1] ?? 0,
    'baseline recall@10': (recallBase / QUERIES).toFixed(3),
    'baseline msgs/query': (baseMsgs / QUERIES).toFixed(0),
    'setup s': setupS.toFixed(1),
    'total s': ((performance.now() - t0) / 1000).toFixed(1),
  }
  console.error(JSON.stringify(row))
  return [row]
}

const rows = SIZES.flatMap(run)
const mem = process.memoryUsage().rss / 2 ** 30
writeReport(
  'semantic-routing',
  'Semantic routing on Kademlia (simulated): LSH records vs asking the routing table',
  rows,
  [
    `${DOCS_PER_PEER} documents per peer, dim ${DIM}, cosine; ${CLUSTERS_PER_1000} clusters per 1,000 peers (unit centres, spread 0.35), 80% of a peer's documents from its home cluster; ${QUERIES} queries, each a document's vector plus noise 0.15, from a random peer; truth = exact top-${K} over all documents (a central index).`,
    `Kademlia k=20, α=3, 32-bit ids, k-buckets filled at random; keys placed by sha256 as kad-dht does. A message is one request (with its response); a hop is one round of ≤α parallel requests.`,
    `LSH: ${TABLES} tables x ${BITS} hyperplanes (seed LSH_SEED), records (CID, provider, int8 embedding, TTL; ${recordBytes} bytes each) stored on the ${REPLICAS} peers closest to each key; a search looks up ${PROBES} multi-probe keys (each lookup stops at the first holder, which returns its ${PER_REQUEST} best records for the query), ranks the candidates by their embeddings and asks the providers of the best ${ASK} for their own top-${K}.`,
    '"records only" is recall before asking the providers. Insert cost is per document (all its keys: a FIND_NODE to convergence plus one STORE per holder), sampled over 50 inserts; a peer providing many documents batches records per key.',
    `Baseline (same run): ask every peer in the querier's routing table (the peers a node reaches without the DHT path) for its top-${K}.`,
    `Peak RSS ${mem.toFixed(2)} GiB.${QUICK ? ' QUICK run (BENCH_QUICK=1).' : ''}`,
  ],
)
