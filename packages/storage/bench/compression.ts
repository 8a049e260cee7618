// Per-codec block compression: ratio and speed on a 64 MiB English-like text corpus and a 64 MiB random corpus, cut
// into 256 KiB blocks (the size of UnixFS leaves). Baselines in the same run: a plain copy of the same bytes (what
// any layer costs at least) and sha-256 (what every add already pays per byte). Also times zstd through node:zlib's
// sync and async (thread-pool) calls, which decided that the blockstore uses the sync ones.
// Run after `pnpm --filter @ipfrs/storage build`:  node packages/storage/bench/compression.ts
// Writes bench/results/compression.{json,md}. BENCH_CORPUS_MIB=8 for a quick run.
import { createHash, randomFillSync } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { constants, zstdCompress, zstdCompressSync, zstdDecompress, zstdDecompressSync } from 'node:zlib'
import { compressFrame, decompressFrame, detectFrame } from '../dist/compression.js'

const MiB = 1024 * 1024
const SIZE = Number(process.env.BENCH_CORPUS_MIB ?? 64) * MiB
const BLOCK = 256 * 1024
const REPEATS = 3 // each timing is the best of this many runs
const RESULTS = new URL('../../../bench/results/', import.meta.url).pathname

/** Deterministic English-like text: words from a list picked by a seeded xorshift32, with sentence breaks. */
function textCorpus(size: number, seed = 12345): Uint8Array[] {
  const words = (
    'the of and a to in is you that it he was for on are as with his they I at be this have from or one had by ' +
    'word but not what all were we when your can said there use an each which she do how their if will up other ' +
    'about out many then them these so some her would make like him into time has look two more write go see ' +
    'number no way could people my than first water been call who oil its now find long down day did get come ' +
    'made may part block peer content address graph tensor rule node network storage'
  ).split(' ')
  let x = seed
  const blocks: Uint8Array[] = []
  for (let done = 0; done < size; done += BLOCK) {
    let s = ''
    while (s.length < BLOCK) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      const r = x >>> 0
      s += words[r % words.length] + (r % 17 === 0 ? '.\n' : ' ')
    }
    blocks.push(new TextEncoder().encode(s.slice(0, BLOCK)))
  }
  return blocks
}

function randomCorpus(size: number): Uint8Array[] {
  const blocks: Uint8Array[] = []
  for (let done = 0; done < size; done += BLOCK) blocks.push(randomFillSync(new Uint8Array(BLOCK)))
  return blocks
}

/** Best wall time in seconds of `REPEATS` runs of `fn`. */
async function best(fn: () => unknown): Promise<number> {
  let min = Number.POSITIVE_INFINITY
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now()
    await fn()
    min = Math.min(min, (performance.now() - start) / 1000)
  }
  return min
}

const mbps = (bytes: number, seconds: number) => Math.round(bytes / 1e6 / seconds)

interface Row {
  corpus: string
  codec: string
  ratio: number | null
  compressMBps: number
  decompressMBps: number | null
  storedRaw: boolean
}

const CODECS = [
  { label: 'zstd -1', algorithm: 'zstd', level: 1 },
  { label: 'zstd -3', algorithm: 'zstd', level: 3 },
  { label: 'lz4', algorithm: 'lz4', level: undefined },
  { label: 'snappy', algorithm: 'snappy', level: undefined },
] as const

const rows: Row[] = []
const corpora = { 'text-like': textCorpus(SIZE), random: randomCorpus(SIZE) }
for (const [corpus, blocks] of Object.entries(corpora)) {
  const total = blocks.reduce((n, b) => n + b.byteLength, 0)
  for (const b of blocks) createHash('sha256').update(Buffer.from(b)).digest() // warm up the allocator and the JIT
  const copy = await best(() => {
    for (const b of blocks) Buffer.from(b)
  })
  const sha = await best(() => {
    for (const b of blocks) createHash('sha256').update(b).digest()
  })
  rows.push({
    corpus,
    codec: 'memcpy',
    ratio: 1,
    compressMBps: mbps(total, copy),
    decompressMBps: null,
    storedRaw: true,
  })
  rows.push({
    corpus,
    codec: 'sha-256',
    ratio: null,
    compressMBps: mbps(total, sha),
    decompressMBps: null,
    storedRaw: true,
  })
  for (const { label, algorithm, level } of CODECS) {
    let frames: Uint8Array[] = []
    const c = await best(() => {
      frames = blocks.map((b) => compressFrame(b, { algorithm, level }))
    })
    const d = await best(() => {
      for (const f of frames) decompressFrame(f)
    })
    for (let i = 0; i < blocks.length; i += 17) {
      if (!Buffer.from(decompressFrame(frames[i]!)).equals(blocks[i]!)) throw new Error(`${label} round-trip failed`)
    }
    const stored = frames.reduce((n, f) => n + f.byteLength, 0)
    rows.push({
      corpus,
      codec: label,
      ratio: Math.round((total / stored) * 100) / 100,
      compressMBps: mbps(total, c),
      decompressMBps: mbps(total, d),
      storedRaw: frames.every((f) => detectFrame(f) === 'plain'),
    })
  }
}

// zstd level 3 on the text corpus: sync calls versus the async ones (libuv's thread pool), one at a time and all at once
const zc = promisify(zstdCompress)
const zd = promisify(zstdDecompress)
const text = corpora['text-like']
const total = text.reduce((n, b) => n + b.byteLength, 0)
const params = { params: { [constants.ZSTD_c_compressionLevel]: 3, [constants.ZSTD_c_checksumFlag]: 1 } }
const zframes = text.map((b) => zstdCompressSync(b, params))
const limit = { maxOutputLength: 8 * MiB }
const zstdCalls = [
  {
    mode: 'sync',
    compress: await best(() => text.map((b) => zstdCompressSync(b, params))),
    decompress: await best(() => zframes.map((f) => zstdDecompressSync(f, limit))),
  },
  {
    mode: 'async, one at a time',
    compress: await best(async () => {
      for (const b of text) await zc(b, params)
    }),
    decompress: await best(async () => {
      for (const f of zframes) await zd(f, limit)
    }),
  },
  {
    mode: 'async, all in flight',
    compress: await best(() => Promise.all(text.map((b) => zc(b, params)))),
    decompress: await best(() => Promise.all(zframes.map((f) => zd(f, limit)))),
  },
].map(({ mode, compress, decompress }) => ({
  mode,
  compressMBps: mbps(total, compress),
  decompressMBps: mbps(total, decompress),
}))

const sha = (corpus: string) => rows.find((r) => r.corpus === corpus && r.codec === 'sha-256')!.compressMBps
const md = [
  `# Block compression (${SIZE / MiB} MiB per corpus, ${BLOCK / 1024} KiB blocks)`,
  '',
  `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}, ${new Date().toISOString().slice(0, 10)}.`,
  `Best of ${REPEATS} runs. ratio = original / stored bytes. MB/s are of original bytes. "× sha-256" = compress speed`,
  'relative to hashing the same bytes, which every add does anyway. Random blocks do not shrink, so after the attempt',
  'they are stored as they are (ratio 1.00) and reading them is a pass-through.',
  '',
  '| corpus | codec | ratio | compress MB/s | decompress MB/s | × sha-256 |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.corpus} | ${r.codec}${r.codec === 'memcpy' || r.codec === 'sha-256' ? ' (baseline)' : ''} | ${r.ratio?.toFixed(2) ?? ''} | ${r.compressMBps} | ${r.decompressMBps === null ? '' : r.storedRaw ? 'pass-through (stored raw)' : r.decompressMBps} | ${(r.compressMBps / sha(r.corpus)).toFixed(2)} |`,
  ),
  '',
  `## zstd -3 through node:zlib, sync vs async (text-like corpus, ${text.length} blocks)`,
  '',
  '| calls | compress MB/s | decompress MB/s |',
  '| --- | --- | --- |',
  ...zstdCalls.map((z) => `| ${z.mode} | ${z.compressMBps} | ${z.decompressMBps} |`),
  '',
  'Reproduce: `pnpm --filter @ipfrs/storage build && node packages/storage/bench/compression.ts`',
  '(or `node bench/run.ts compression`).',
  '',
].join('\n')
mkdirSync(RESULTS, { recursive: true })
const json = {
  name: 'compression',
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  corpusMiB: SIZE / MiB,
  blockBytes: BLOCK,
  repeats: REPEATS,
  rows,
  zstdCalls,
}
writeFileSync(join(RESULTS, 'compression.json'), `${JSON.stringify(json, null, 2)}\n`)
writeFileSync(join(RESULTS, 'compression.md'), md)
console.log(md)
