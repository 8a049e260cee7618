// Decode cost of a float32 tensor already in memory: Arrow IPC (tableFromIPC + the Float32Array view) against JSON,
// DAG-CBOR and MessagePack (as number arrays, and as one bytes/bin field), a plain memcpy of the same bytes (the
// limit), and our TensorStore.getTensor from an in-memory blockstore (1 MiB chunks, each sha2-256 verified).
// Each method runs in its own child process so its peak RSS is its own. Number-array formats are far slower, so
// they decode a smaller tensor (BENCH_ARRAY_MIB, default 16) and are compared per MiB.
// Run after `pnpm --filter @ipfrs/transport build`:  node packages/transport/bench/decode.ts
// Writes bench/results/tensor-decode.{json,md}. BENCH_TENSOR_MIB=16 BENCH_ARRAY_MIB=4 for a quick run.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import { Encoder as MsgpackEncoder, decode as msgpackDecode } from '@msgpack/msgpack'
import { tableFromIPC } from 'apache-arrow'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { MiB, type Row, writeReport } from '../../../bench/lib/report.ts'
import { columnView, encodeArrowIpc, TensorStore } from '../dist/index.js'

const TENSOR_MIB = Number(process.env.BENCH_TENSOR_MIB ?? 256)
const ARRAY_MIB = Math.min(TENSOR_MIB, Number(process.env.BENCH_ARRAY_MIB ?? 16))
const REPEATS = 5 // each timing is the best of this many runs

/** Deterministic float32 values (non-integers, so every format must carry real floats). */
function tensor(mib: number): Float32Array {
  const n = (mib * MiB) / 4
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.sin(i) * 1000 + 0.25
  return out
}

interface Method {
  mib: number
  /** What the child decodes from: the encoded bytes, written by the parent. */
  encode(values: Float32Array): Uint8Array
  /** The timed decode: bytes in memory → a Float32Array. */
  decode(bytes: Uint8Array): Float32Array | Promise<Float32Array>
  /** Untimed setup in the child (e.g. filling a blockstore); returns what decode gets. */
  prepare?(bytes: Uint8Array): Promise<unknown>
}

/** A Float32Array over `bytes`: a view when aligned, else (honestly) one copy. */
function f32(bytes: Uint8Array): Float32Array {
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
  return new Float32Array(bytes.slice().buffer)
}

const asBytes = (v: Float32Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
let prepared: unknown

const METHODS: Record<string, Method> = {
  'arrow-ipc': {
    mib: TENSOR_MIB,
    encode: (v) => encodeArrowIpc(v, 'F32', 'w'),
    decode: (b) => columnView(tableFromIPC(b)).values as Float32Array,
  },
  'tensorstore-get': {
    mib: TENSOR_MIB,
    encode: asBytes,
    prepare: async (b) => {
      const store = new TensorStore({ blockstore: new MemoryBlockstore() })
      return { store, cid: await store.putTensor(f32(b)) }
    },
    decode: async () => {
      const { store, cid } = prepared as { store: TensorStore; cid: Parameters<TensorStore['getTensor']>[0] }
      return (await store.getTensor(cid)).data as Float32Array
    },
  },
  'dag-cbor-bytes': {
    mib: TENSOR_MIB,
    encode: (v) => dagCbor.encode({ data: asBytes(v) }),
    decode: (b) => f32(dagCbor.decode<{ data: Uint8Array }>(b).data),
  },
  'msgpack-bin': {
    mib: TENSOR_MIB,
    encode: (v) => new MsgpackEncoder().encode({ data: asBytes(v) }),
    decode: (b) => f32((msgpackDecode(b) as { data: Uint8Array }).data),
  },
  memcpy: {
    mib: TENSOR_MIB,
    encode: asBytes,
    decode: (b) => new Float32Array(b.slice().buffer),
  },
  'json-array': {
    mib: ARRAY_MIB,
    encode: (v) => new TextEncoder().encode(JSON.stringify(Array.from(v))),
    decode: (b) =>
      Float32Array.from(JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString()) as number[]),
  },
  'dag-cbor-array': {
    mib: ARRAY_MIB,
    encode: (v) => dagCbor.encode(Array.from(v)),
    decode: (b) => Float32Array.from(dagCbor.decode<number[]>(b)),
  },
  'msgpack-array': {
    mib: ARRAY_MIB,
    encode: (v) => new MsgpackEncoder({ forceFloat32: true }).encode(Array.from(v)),
    decode: (b) => Float32Array.from(msgpackDecode(b) as number[]),
  },
}

/** Resets the kernel's peak-RSS mark (Linux: VmHWM), so the peak covers the decodes only. */
function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5')
  } catch {
    // not Linux: the peak then includes loading the file
  }
}

/** Peak RSS in bytes since resetPeakRss (VmHWM), else the process maximum. */
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
    if (m?.[1]) return Number(m[1]) * 1024
  } catch {
    // fall through
  }
  return process.resourceUsage().maxRSS * 1024
}

/** Child: load the file, optionally prepare, then time the decode and report peak RSS as JSON on stdout. */
async function child(name: string, file: string): Promise<void> {
  const m = METHODS[name]
  if (m === undefined) throw new Error(`unknown method ${name}`)
  const buf = readFileSync(file)
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
  if (m.prepare) prepared = await m.prepare(bytes)
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const rssBefore = process.memoryUsage().rss
  resetPeakRss()
  const expect = tensor(1 / 1024) // the first 256 values
  let best = Number.POSITIVE_INFINITY
  let peak = 0
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now()
    let out: Float32Array | undefined = await m.decode(bytes)
    best = Math.min(best, performance.now() - t0)
    if (r === 0) peak = peakRss() // later repeats may overlap a previous result the GC has not returned yet
    if (out.length !== (m.mib * MiB) / 4) throw new Error(`${name}: decoded ${out.length} values`)
    for (let i = 0; i < expect.length; i++)
      if (out[i] !== expect[i]) throw new Error(`${name}: value ${i} is ${out[i]}, expected ${expect[i]}`)
    out = undefined
    gc?.()
  }
  process.stdout.write(JSON.stringify({ best, rssBefore, peak, encodedBytes: bytes.byteLength }))
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ipfrs-bench-decode-'))
  const rows: Row[] = []
  try {
    const big = tensor(TENSOR_MIB)
    const small = big.subarray(0, (ARRAY_MIB * MiB) / 4)
    const perMib: Record<string, number> = {}
    for (const [name, m] of Object.entries(METHODS)) {
      const file = join(dir, `${name}.bin`)
      writeFileSync(file, m.encode(m.mib === TENSOR_MIB ? big : small))
      const r = spawnSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, '--child', name, file], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      })
      rmSync(file, { force: true })
      if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`)
      const res = JSON.parse(r.stdout) as { best: number; rssBefore: number; peak: number; encodedBytes: number }
      perMib[name] = res.best / m.mib
      rows.push({
        method: name,
        'tensor MiB': m.mib,
        'encoded MiB': +(res.encodedBytes / MiB).toFixed(1),
        'decode ms (best of 5)': +res.best.toFixed(2),
        'MiB/s': Math.round(m.mib / (res.best / 1000)),
        'RSS before MiB': Math.round(res.rssBefore / MiB),
        'peak RSS MiB': Math.round(res.peak / MiB),
      })
      console.error(`${name}: ${res.best.toFixed(2)} ms for ${m.mib} MiB`)
    }
    const arrow = perMib['arrow-ipc'] ?? Number.NaN
    const memcpy = perMib.memcpy ?? Number.NaN
    for (const row of rows) {
      const t = perMib[String(row.method)] ?? Number.NaN
      row['ms per MiB'] = +t.toFixed(4)
      row['× arrow time/MiB'] = +(t / arrow).toPrecision(3)
      row['× memcpy time/MiB'] = +(t / memcpy).toPrecision(3)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  writeReport('tensor-decode', `Tensor decode: float32 tensor from bytes in memory (${TENSOR_MIB} MiB)`, rows, [
    `Array formats (JSON, DAG-CBOR and MessagePack number arrays) decode ${ARRAY_MIB} MiB (${(ARRAY_MIB * MiB) / 4} floats); compare them per MiB.`,
    'Each method runs in its own child process; "RSS before" is after loading the encoded bytes (and, for tensorstore-get, filling the in-memory blockstore); "peak RSS" is the peak during the first decode (Linux VmHWM, reset through /proc/self/clear_refs just before).',
    'arrow-ipc: tableFromIPC on the bytes, then the Float32Array view of the column (no element copy).',
    'tensorstore-get: TensorStore.getTensor from a MemoryBlockstore: assembles 1 MiB chunks into one buffer, sha2-256 verifies each, then reads the Arrow IPC stream zero-copy.',
    'dag-cbor-bytes / msgpack-bin: the decoders return a view of the bytes field; its offset in the message is not 4-aligned, so getting a Float32Array costs one copy (counted).',
    'memcpy: bytes.slice() (one allocation and copy of the same bytes), the floor for anything that does not return a view of its input.',
  ])
}

if (process.argv[2] === '--child') await child(process.argv[3] ?? '', process.argv[4] ?? '')
else await main()
