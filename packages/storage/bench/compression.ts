// Per-codec compression ratio and speed on a 64 MiB text-like and a 64 MiB random corpus, cut into 256 KiB blocks
// (the size UnixFS leaves have). Baselines in the same run: a plain copy of the same bytes (what any layer costs at
// least) and sha-256 (what every add already pays per byte). Writes bench/results/compression.{json,md}.
import { createHash, randomFillSync } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { compressFrame, decompressFrame } from '../dist/index.js'

const MiB = 1024 * 1024
const SIZE = Number(process.env.BENCH_CORPUS_MIB ?? 64) * MiB
const BLOCK = 256 * 1024
const RESULTS = new URL('../../../bench/results/', import.meta.url).pathname

function textCorpus(size: number): Uint8Array[] {
  const words =
    'the of and a to in is you that it he was for on are as with his they I at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day did get come made may part'.split(
      ' ',
    )
  let x = 12345
  const blocks: Uint8Array[] = []
  for (let done = 0; done < size; done += BLOCK) {
    let s = ''
    while (s.length < BLOCK) {
      // xorshift32: deterministic, and with no short cycles in its low bits (an LCG's would make the text repeat)
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

function mbps(bytes: number, seconds: number): string {
  return (bytes / 1e6 / seconds).toFixed(0)
}

function time(fn: () => void): number {
  const start = performance.now()
  fn()
  return (performance.now() - start) / 1000
}

const rows: Array<Record<string, string>> = []
for (const [name, blocks] of [
  ['text-like', textCorpus(SIZE)],
  ['random', randomCorpus(SIZE)],
] as const) {
  const total = blocks.reduce((n, b) => n + b.byteLength, 0)
  const copyAll = () => {
    for (const b of blocks) Buffer.from(b)
  }
  copyAll() // warm up the allocator and the JIT before timing anything
  const copy = time(copyAll)
  const sha = time(() => {
    for (const b of blocks) createHash('sha256').update(b).digest()
  })
  rows.push({
    corpus: name,
    codec: 'memcpy (baseline)',
    ratio: '1.00',
    'compress MB/s': mbps(total, copy),
    'decompress MB/s': mbps(total, copy),
    'vs sha-256': (sha / copy).toFixed(2),
  })
  rows.push({
    corpus: name,
    codec: 'sha-256 (baseline)',
    ratio: '',
    'compress MB/s': mbps(total, sha),
    'decompress MB/s': '',
    'vs sha-256': '1.00',
  })
  for (const [label, algorithm, level] of [
    ['zstd -1', 'zstd', 1],
    ['zstd -3', 'zstd', 3],
    ['lz4', 'lz4', 0],
    ['snappy', 'snappy', 0],
  ] as const) {
    let frames: Uint8Array[] = []
    const c = time(() => {
      frames = blocks.map((b) => compressFrame(b, { algorithm, level: level || undefined }))
    })
    const stored = frames.reduce((n, f) => n + f.byteLength, 0)
    const d = time(() => {
      for (const f of frames) decompressFrame(f)
    })
    for (let i = 0; i < blocks.length; i += 37) {
      if (Buffer.compare(Buffer.from(decompressFrame(frames[i]!)), Buffer.from(blocks[i]!)) !== 0)
        throw new Error(`${label} round-trip failed`)
    }
    rows.push({
      corpus: name,
      codec: label,
      ratio: (total / stored).toFixed(2),
      'compress MB/s': mbps(total, c),
      'decompress MB/s':
        stored === total + 0 && frames.every((f, i) => f === blocks[i]) ? '(stored raw)' : mbps(total, d),
      'vs sha-256': (sha / c).toFixed(2),
    })
  }
}

const cols = Object.keys(rows[0]!)
const md = [
  `# Block compression (${SIZE / MiB} MiB per corpus, 256 KiB blocks)`,
  '',
  `Node ${process.version}, ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}. ratio = original / stored bytes;`,
  `"vs sha-256" = compress speed relative to hashing the same bytes (every add hashes them anyway).`,
  'Random blocks do not shrink, so they are stored raw after the attempt: their ratio is 1.00 and decompression is a no-op.',
  '',
  `| ${cols.join(' | ')} |`,
  `| ${cols.map(() => '---').join(' | ')} |`,
  ...rows.map((r) => `| ${cols.map((c) => r[c]).join(' | ')} |`),
  '',
  'Reproduce: `./run bench compression` (or `node packages/storage/bench/compression.ts` after a build).',
  '',
].join('\n')
mkdirSync(RESULTS, { recursive: true })
writeFileSync(
  join(RESULTS, 'compression.json'),
  `${JSON.stringify({ name: 'compression', date: new Date().toISOString(), node: process.version, sizeMiB: SIZE / MiB, rows }, null, 2)}\n`,
)
writeFileSync(join(RESULTS, 'compression.md'), md)
console.log(md)
