// Text embedders side by side on the same paraphrase set (packages/ipfrs/test/fixtures/paraphrases.json: 20 short
// documents, 20 queries saying the same with little word overlap): top-1 accuracy and mean reciprocal rank of the
// right document, and sentences per second, for word hashing (the fallback, the baseline) and the Universal Sentence
// Encoder lite (the default model) with 1 and 2 worker threads. Ranking is exact cosine over the 20 document vectors,
// so the numbers measure the embedders, not an index. BENCH_EMBED_SENTENCES sets the throughput corpus (default 512).
import { readFile } from 'node:fs/promises'
import { UseEmbedder } from '@ipfrs/embedder-use'
import { type Embedder, HashingTextEmbedder } from '@ipfrs/semantic'
import { type Row, writeReport } from './lib/report.ts'

const SENTENCES = Number(process.env.BENCH_EMBED_SENTENCES ?? 512)
const fixture = new URL('../packages/ipfrs/test/fixtures/paraphrases.json', import.meta.url)
const { pairs } = JSON.parse(await readFile(fixture, 'utf8')) as { pairs: Array<{ doc: string; query: string }> }

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0)

async function quality(e: Embedder): Promise<{ top1: number; mrr: number }> {
  const docs = await e.embedBatch(pairs.map((p) => p.doc))
  const queries = await e.embedBatch(pairs.map((p) => p.query))
  let top1 = 0
  let rr = 0
  for (const [i, q] of queries.entries()) {
    const mine = dot(q, docs[i]!)
    const rank = 1 + docs.filter((d, j) => j !== i && dot(q, d) > mine).length
    if (rank === 1) top1++
    rr += 1 / rank
  }
  return { top1: top1 / pairs.length, mrr: rr / pairs.length }
}

/** Sentences per second over a corpus of distinct sentences, sent as concurrent batches of 32. */
async function throughput(e: Embedder): Promise<number> {
  const corpus = Array.from({ length: SENTENCES }, (_, i) => `${pairs[i % 20]!.doc} (variant ${i})`)
  await e.embedBatch(corpus.slice(0, 4)) // warm: workers started, model loaded
  const t0 = performance.now()
  const batches: Promise<Float32Array[]>[] = []
  for (let i = 0; i < corpus.length; i += 32) batches.push(e.embedBatch(corpus.slice(i, i + 32)))
  await Promise.all(batches)
  return corpus.length / ((performance.now() - t0) / 1000)
}

const rows: Row[] = []
let hashingRate = 0
const cases: Array<[string, () => Embedder & { close?: () => Promise<void> }]> = [
  ['word hashing, 384-d (baseline)', () => new HashingTextEmbedder({ dimension: 384 })],
  ['USE lite, 512-d, 1 worker (default)', () => new UseEmbedder({ workers: 1 })],
  ['USE lite, 512-d, 2 workers', () => new UseEmbedder({ workers: 2 })],
]
for (const [name, make] of cases) {
  const e = make()
  const t0 = performance.now()
  await e.embed('cold start')
  const coldMs = performance.now() - t0
  const q = await quality(e)
  const rate = await throughput(e)
  if (rows.length === 0) hashingRate = rate
  rows.push({
    embedder: name,
    'top-1': `${Math.round(q.top1 * 20)}/20`,
    MRR: q.mrr.toFixed(3),
    'sentences/s': Math.round(rate),
    'vs hashing': rows.length === 0 ? '1' : (rate / hashingRate).toFixed(4),
    'first embed ms': Math.round(coldMs),
  })
  await e.close?.()
  console.error(`${name}: done`)
}
writeReport('embedders', 'Text embedders: paraphrase ranking and throughput', rows, [
  'Quality: 20 documents, 20 paraphrased queries (our own, in packages/ipfrs/test/fixtures/paraphrases.json); top-1 = the right document ranks first; MRR = mean of 1/rank.',
  `Throughput: ${SENTENCES} distinct sentences in concurrent batches of 32, after a warm-up; "first embed ms" includes starting the workers and loading the model.`,
  'tfjs runs on wasm, single-threaded per worker; each worker holds its own model (~260 MB RSS). The machine is shared: compare rows of the same run.',
])
