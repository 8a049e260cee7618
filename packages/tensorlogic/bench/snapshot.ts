// Knowledge-base snapshots without a node: KnowledgeBase.snapshot/restore over an in-memory blockstore against the
// baseline of keeping the same program as text (printProgram, then parseProgram + consult), in the same run, over the
// same 50,003 clauses. The node-level version (repo on disk, pins, root file) is packages/ipfrs/bench/logic.ts.
// Run after `pnpm --filter @ipfrs/tensorlogic build`:  node packages/tensorlogic/bench/snapshot.ts
// Writes bench/results/tensorlogic-snapshot.{json,md}. BENCH_QUICK=1 for a small run.
import { MemoryBlockstore } from 'blockstore-core'
import { edgeProgram as program } from '../../../bench/lib/logic-program.ts'
import { median, writeReport } from '../../../bench/lib/report.ts'
import { KnowledgeBase, parseProgram, printProgram } from '../dist/index.js'

const QUICK = process.env.BENCH_QUICK === '1'
const FACTS = QUICK ? 2_000 : 50_000
const REPEATS = QUICK ? 3 : 7

function time(fn: () => unknown): Promise<number> {
  const t = performance.now()
  return Promise.resolve(fn()).then(() => performance.now() - t)
}

const kb = new KnowledgeBase()
kb.consult(program(FACTS))
const text = printProgram(parseProgram(program(FACTS)))
const bs = new MemoryBlockstore()
let root = await kb.snapshot(bs)
const snapshot: number[] = []
const print: number[] = []
const restore: number[] = []
const parse: number[] = []
for (let r = 0; r < REPEATS; r++) {
  kb.consult(`edge(extra${r}, n0, 1).`) // a change, so the last pack and the root are new
  snapshot.push(await time(async () => (root = await kb.snapshot(bs))))
  print.push(await time(() => printProgram({ clauses: [...kb.clauses()], directives: [] })))
  restore.push(await time(() => KnowledgeBase.restore(bs, root)))
  parse.push(await time(() => new KnowledgeBase().consult(text)))
}
const restored = await KnowledgeBase.restore(bs, root)
if (restored.stats().clauses !== kb.stats().clauses) throw new Error('restore lost clauses')

const row = (op: string, ours: number[], base: number[], baseline: string) => ({
  op,
  clauses: kb.stats().clauses,
  'ours ms': Number(median(ours).toFixed(1)),
  baseline,
  'baseline ms': Number(median(base).toFixed(1)),
  'ours / baseline': Number((median(ours) / median(base)).toFixed(2)),
})
let blocks = 0
for await (const _ of bs.getAll()) blocks++
writeReport(
  'tensorlogic-snapshot',
  'TensorLogic knowledge-base snapshots (packed blocks) vs the program as text',
  [
    row('snapshot (DAG-CBOR packs + root)', snapshot, print, 'printProgram'),
    row('restore (hash-check + decode packs + add)', restore, parse, 'parseProgram + consult the same text'),
  ],
  [
    `median of ${REPEATS} runs each, in-memory blockstore (MemoryBlockstore); one fact added before each snapshot.`,
    `${blocks} blocks in the store after all snapshots (packs of every snapshot and their roots): consecutive snapshots share all packs but the last.`,
    'Before packs (one block per clause) the node-level restore of the same KB took 135x the text parse (bench/results/logic-node.md, 2026-11-25).',
  ],
)
