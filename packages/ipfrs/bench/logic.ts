// The knowledge base in a node (node.logic): how long persisting and restoring it through the repo takes, against
// the obvious baseline of keeping the program as text (printProgram + writeFile, then readFile + consult), and what the
// layer adds to a query over calling the KnowledgeBase directly. All in the same run, over the same facts and rules.
// Run after `pnpm -s turbo run build --filter ipfrs...`:  node packages/ipfrs/bench/logic.ts
// Writes bench/results/logic-node.{json,md}. BENCH_QUICK=1 for a small run.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KnowledgeBase, parseProgram, printProgram } from '@ipfrs/tensorlogic'
import { edgeProgram as program } from '../../../bench/lib/logic-program.ts'
import { median, writeReport } from '../../../bench/lib/report.ts'
import { createNode } from '../dist/index.js'

const QUICK = process.env.BENCH_QUICK === '1'
const FACTS = QUICK ? 2_000 : 50_000
const REPEATS = QUICK ? 3 : 5

async function time<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now()
  await fn()
  return performance.now() - t
}

const dir = await mkdtemp(join(tmpdir(), 'ipfrs-bench-logic-'))
try {
  const text = program(FACTS)
  const node = createNode({ repoPath: join(dir, 'repo'), init: true })
  await node.start()
  await node.logic.load(text)
  const kb = new KnowledgeBase()
  kb.consult(text)

  const save: number[] = []
  const saveText: number[] = []
  const restore: number[] = []
  const consult: number[] = []
  const query: number[] = []
  const queryDirect: number[] = []
  for (let r = 0; r < REPEATS; r++) {
    await node.logic.addFact(`edge(extra${r}, n0, 1).`) // a change, so save() has work to do
    kb.consult(`edge(extra${r}, n0, 1).`)
    save.push(await time(() => node.logic.save()))
    saveText.push(await time(() => writeFile(join(dir, 'kb.pl'), printProgram(parseProgram(text)))))
    restore.push(await time(() => node.logic.restore()))
    consult.push(await time(async () => new KnowledgeBase().consult(await readFile(join(dir, 'kb.pl'), 'utf8'))))
    query.push(await time(() => node.logic.query('heavy(X, Y)')))
    queryDirect.push(await time(() => kb.query('heavy(X, Y)')))
  }
  await node.stop() // saves the KB: the next start finds a 50,003-clause snapshot

  // node start over that repo vs over a repo with no KB (the snapshot is restored in the background)
  const startKb: number[] = []
  const startEmpty: number[] = []
  const firstQuery: number[] = []
  for (let r = 0; r < REPEATS; r++) {
    const empty = createNode({ repoPath: join(dir, `empty${r}`), init: true })
    await empty.start() // initialises the repo; the timed start below opens it as the KB repo's is
    await empty.stop()
    const e = createNode({ repoPath: join(dir, `empty${r}`), init: true })
    startEmpty.push(await time(() => e.start()))
    await e.stop()
    const n = createNode({ repoPath: join(dir, 'repo'), init: true })
    startKb.push(await time(() => n.start()))
    firstQuery.push(await time(() => n.logic.query('edge(n0, Y, W)')))
    await n.stop()
  }

  const row = (op: string, ours: number[], base: number[], baseline: string) => ({
    op,
    clauses: FACTS + 3,
    'ours ms': Number(median(ours).toFixed(1)),
    baseline,
    'baseline ms': Number(median(base).toFixed(1)),
    'ours / baseline': Number((median(ours) / median(base)).toFixed(2)),
  })
  writeReport(
    'logic-node',
    'TensorLogic in a node: persist, restore, query',
    [
      row('save (IPLD snapshot, pin, root file)', save, saveText, 'print program + write text file'),
      row('restore (read + verify packs)', restore, consult, 'read text file + parse + consult'),
      row('query heavy(X, Y) via node.logic', query, queryDirect, 'KnowledgeBase.query directly'),
      row('node start with the KB snapshot', startKb, startEmpty, 'node start with no KB'),
      row(
        'first query after that start (waits for the restore)',
        firstQuery,
        consult,
        'read text file + parse + consult',
      ),
    ],
    [
      `median of ${REPEATS} runs each; one fact is added before each save so the snapshot is really written.`,
      'save is incremental: packs of clauses (DAG-CBOR, content-defined cuts) not yet stored, plus a new root (and a pin swap).',
      'restore hash-checks and decodes every pack block; the baseline trusts the text file. Before packs (one block per clause) restore was 29,966 ms, 135x the baseline.',
      'query via node.logic also prints every binding as text (the API returns strings).',
      'node start reads only the snapshot root (it records the counts stats() reports) and restores the packs in the background; queries and changes wait for it. The first query after start therefore carries the restore.',
    ],
  )
} finally {
  await rm(dir, { recursive: true, force: true })
}
