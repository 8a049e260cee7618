// The cost of the bindings layer: the same operations through @ipfrs/node-bindings (string CIDs, Buffers, one
// mutation queue) and directly on the `ipfrs` Node it wraps (CID objects, concurrent writes), in the same run, each on
// its own temp repo. Operations: putBlock (issued all at once), getBlock, indexContent (vectors), addFact.
// Run after `pnpm turbo run build --filter @ipfrs/node-bindings...`:  node packages/node-bindings/bench/calls.ts
// Writes bench/results/node-bindings.{json,md}. BENCH_OPS=200 for a quick run (default 2000).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createNode } from 'ipfrs'
import { type Row, writeReport } from '../../../bench/lib/report.ts'
import { Node } from '../dist/index.js'

const OPS = Number(process.env.BENCH_OPS ?? 2000)
const DIM = 64

function vector(i: number): Float32Array {
  return Float32Array.from({ length: DIM }, (_, j) => Math.sin(i * DIM + j + 1))
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

const dir = mkdtempSync(join(tmpdir(), 'bench-bindings-'))
const config = { Semantic: { Enabled: true, Dimension: DIM } }
try {
  const bindings = new Node({ repoPath: join(dir, 'b'), semantic: { dimension: DIM } })
  await bindings.start()
  const direct = createNode({ repoPath: join(dir, 'd'), init: { config: config as never } })
  await direct.start()
  const blocks = Array.from({ length: OPS }, (_, i) => Buffer.from(`bench block ${i} `.repeat(8)))

  let bCids: string[] = []
  const bPut = await time(async () => {
    bCids = await Promise.all(blocks.map((b) => bindings.putBlock(b)))
  })
  let dCids: Awaited<ReturnType<typeof direct.block.put>>[] = []
  const dPut = await time(async () => {
    dCids = await Promise.all(blocks.map((b) => direct.block.put(b)))
  })
  const bGet = await time(() => Promise.all(bCids.map((c) => bindings.getBlock(c))))
  const dGet = await time(() => Promise.all(dCids.map((s) => direct.block.get(s.cid))))
  const bIndex = await time(() => Promise.all(bCids.map((c, i) => bindings.indexContent(c, vector(i)))))
  const store = direct.semantic.store
  const dIndex = await time(async () => {
    for (const [i, s] of dCids.entries()) store.putWithVector(s.cid.toString(), vector(i))
  })
  const bFact = await time(() => Promise.all(blocks.map((_, i) => bindings.addFact(`item(n${i}, ${i}).`))))
  const dFact = await time(() => Promise.all(blocks.map((_, i) => direct.logic.addFact(`item(n${i}, ${i}).`))))
  await bindings.stop()
  await direct.stop()

  const row = (op: string, b: number, d: number): Row => ({
    op,
    ops: OPS,
    'bindings ops/s': Math.round(OPS / (b / 1000)),
    'direct ops/s': Math.round(OPS / (d / 1000)),
    'bindings / direct': Number((d / b).toFixed(2)),
  })
  writeReport(
    'node-bindings',
    'node-bindings: calls through the bindings vs the ipfrs Node directly',
    [
      row('putBlock (concurrent)', bPut, dPut),
      row('getBlock (concurrent)', bGet, dGet),
      row('indexContent (vector)', bIndex, dIndex),
      row('addFact (concurrent)', bFact, dFact),
    ],
    [
      'bindings / direct is throughput relative to the baseline (1.00 = no cost; below 1 = the bindings are slower).',
      'putBlock through the bindings is serialized by the mutation queue; the direct baseline writes concurrently.',
      'getBlock through the bindings checks has() first (to return null) and wraps the bytes in a Buffer.',
      'indexContent direct is a synchronous loop of putWithVector (no queue, no CID parsing).',
    ],
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
