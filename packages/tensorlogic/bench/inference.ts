// TensorLogic inference against SWI-Prolog, same programs, same machine, same run:
//  - tabled left-recursive transitive closure (all pairs) over a seeded random graph of 2,000 edges on 1,000 nodes;
//  - naive reverse of a 500-element list, repeated;
//  - the classic benchmarks of bench/classic.ts: 8-queens (all solutions), tak, zebra, crypt, deriv, repeated.
// SWI is timed inside swipl (get_time around the query, tables abolished between repeats) and as the wall time of the
// whole `swipl` process (startup and consult included). Ours is timed in-process after the program is consulted.
// Both sides run each query WARMUP times untimed first, then the best of REPEATS timed runs is taken.
// Run after `pnpm --filter @ipfrs/tensorlogic build`:  node packages/tensorlogic/bench/inference.ts
// SWIPL=<path> (default .tools/swipl/swipl). BENCH_QUICK=1 for a small run (500 edges, 200-element list).
// Writes bench/results/tensorlogic.{json,md}.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { writeReport } from '../../../bench/lib/report.ts'
import { KnowledgeBase, Solver } from '../dist/index.js'
import { CRYPT, DERIV, QUEENS, TAK, ZEBRA } from './classic.ts'

const QUICK = process.env.BENCH_QUICK === '1'
const EDGES = QUICK ? 500 : 2000
const NODES = EDGES / 2
const LIST = QUICK ? 200 : 500
const NREV_TIMES = QUICK ? 5 : 20
const REPEATS = 5
/** Untimed runs before the timed ones, on both sides alike (our clauses compile to JS and need the JIT's warm-up). */
const WARMUP = 2
const ROOT = new URL('../../../', import.meta.url).pathname
const SWIPL = process.env.SWIPL ?? join(ROOT, '.tools/swipl/swipl')
/** The swipl used, as the report names it: relative to the repository (no machine-specific absolute path). */
const SWIPL_LABEL = process.env.SWIPL === undefined ? '.tools/swipl/swipl' : relative(ROOT, SWIPL)

function graph(): string {
  let x = 2463534242
  const next = () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) % NODES
  }
  const seen = new Set<string>()
  const lines: string[] = []
  while (lines.length < EDGES) {
    const a = next()
    const b = next()
    if (seen.has(`${a},${b}`)) continue
    seen.add(`${a},${b}`)
    lines.push(`edge(${a}, ${b}).`)
  }
  return lines.join('\n')
}

const TC = `:- table path/2.
path(X, Y) :- path(X, Z), edge(Z, Y).
path(X, Y) :- edge(X, Y).
${graph()}
`
const NREV = `nrev([], []).
nrev([H|T], R) :- nrev(T, RT), app(RT, [H], R).
app([], L, L).
app([H|T], L, [H|R]) :- app(T, L, R).
nlist(N, N, [N]) :- !.
nlist(I, N, [I|T]) :- I1 is I + 1, nlist(I1, N, T).
bench(K) :- nlist(1, ${LIST}, L), ( between(1, K, _), nrev(L, _), fail ; true ).
`
const CLASSIC = [
  ['8-queens all solutions', QUEENS, QUICK ? 1 : 5],
  ['tak(18, 12, 6)', TAK, QUICK ? 1 : 5],
  ['zebra', ZEBRA, QUICK ? 5 : 30],
  ['crypt (SEND+MORE=MONEY)', CRYPT, QUICK ? 5 : 30],
  ['deriv (ops8, divide10, log10, times10)', DERIV, QUICK ? 100 : 2000],
] as const
const TC_GOAL = 'findall(X-Y, path(X, Y), _L), length(_L, N)'
const NREV_GOAL = `bench(${NREV_TIMES})`

/**
 * Best in-process seconds of our solver (wall and process user CPU time, each the best of its own), and the answer
 * count of the last run.
 */
function ours(program: string, goal: string): { seconds: number; cpu: number; answer: string } {
  let best = Number.POSITIVE_INFINITY
  let cpu = Number.POSITIVE_INFINITY
  let answer = ''
  for (let i = 0; i < WARMUP + REPEATS; i++) {
    const kb = new KnowledgeBase() // fresh: no answer tables left from the previous run
    kb.consult(program)
    const start = performance.now()
    const cpu0 = process.cpuUsage()
    const r = new Solver(kb).allSync(goal, { maxDepth: 10_000_000 })
    if (i >= WARMUP) {
      best = Math.min(best, (performance.now() - start) / 1000)
      cpu = Math.min(cpu, process.cpuUsage(cpu0).user / 1e6)
    }
    answer = r[0]?.N !== undefined ? String((r[0].N as { value: bigint }).value) : String(r.length)
  }
  return { seconds: best, cpu, answer }
}

/** SWI: best in-process seconds (wall and process user CPU time), the wall time of one whole process, the answer. */
function swi(
  dir: string,
  name: string,
  program: string,
  goal: string,
): { inner: number; cpu: number; wall: number; answer: string } {
  const file = join(dir, `${name}.pl`)
  writeFileSync(
    file,
    `${program}
run(Best, Answer, Cpu) :- forall(between(1, ${WARMUP}, _), (abolish_all_tables, (${goal} -> true ; true))),
  findall(T-A-C, (between(1, ${REPEATS}, _), abolish_all_tables, get_time(T0), statistics(process_cputime, C0),
    (${goal}, (var(N) -> A = 1 ; A = N) -> true ; A = 0), get_time(T1), statistics(process_cputime, C1),
    T is T1 - T0, C is C1 - C0), Rs),
  msort(Rs, [Best-Answer-_|_]), tl_bench_cpus(Rs, Cs), msort(Cs, [Cpu|_]).
tl_bench_cpus([], []).
tl_bench_cpus([_-_-C|Rs], [C|Cs]) :- tl_bench_cpus(Rs, Cs).
main :- run(B, A, C), format("~6f ~6f ~w~n", [B, C, A]).
`,
  )
  const start = performance.now()
  const r = spawnSync(SWIPL, ['-q', '-O', '-g', 'main', '-t', 'halt', file], { encoding: 'utf8' })
  const wall = (performance.now() - start) / 1000
  if (r.status !== 0) throw new Error(`swipl failed: ${r.stderr}`)
  const [inner, cpu, answer] = r.stdout.trim().split(' ')
  return { inner: Number(inner), cpu: Number(cpu), wall, answer: answer ?? '' }
}

const dir = mkdtempSync(join(tmpdir(), 'tl-bench-'))
const loadAtStart = loadavg()[0] ?? 0
try {
  const rows = []
  for (const [name, program, goal] of [
    [`transitive closure (${EDGES} edges, tabled, all pairs)`, TC, TC_GOAL],
    [`naive reverse ${LIST} x${NREV_TIMES}`, NREV, NREV_GOAL],
    ...CLASSIC.map(([name, program, k]) => [`${name} x${k}`, program, `bench(${k}, N)`] as const),
  ] as const) {
    const s = swi(dir, name.replace(/[^a-z0-9]+/gi, '_').slice(0, 24), program, goal)
    const o = ours(program, goal)
    rows.push({
      benchmark: name,
      'answers (ours / swi)': `${o.answer} / ${s.answer}`,
      'ours s': Number(o.seconds.toFixed(4)),
      'swi in-process s': Number(s.inner.toFixed(4)),
      'swi wall s (incl. startup)': Number(s.wall.toFixed(4)),
      'ours / swi in-process': Number((o.seconds / s.inner).toFixed(2)),
      'ours / swi wall': Number((o.seconds / s.wall).toFixed(2)),
      'ours cpu s': Number(o.cpu.toFixed(4)),
      'swi cpu s': Number(s.cpu.toFixed(4)),
      'ours / swi cpu': Number((o.cpu / s.cpu).toFixed(2)),
    })
  }
  writeReport('tensorlogic', 'TensorLogic inference vs SWI-Prolog', rows, [
    `Best of ${REPEATS} runs each, after ${WARMUP} untimed warm-up runs on both sides. Ours: in-process after consult (Solver.allSync). SWI-Prolog (${SWIPL_LABEL}): get_time around the query inside swipl -O (tables abolished between runs), and the wall time of the whole swipl process (startup, consult and all ${WARMUP + REPEATS} runs).`,
    "CPU columns: user CPU time of the whole process over the same runs (the best of each side's), which a loaded machine moves much less than wall time; ours counts V8's GC and JIT helper threads too.",
    'Ratios above 1 mean we are slower. The answers must match (pairs for the closure, 1 for nrev and zebra, 92 solutions of 8-queens, tak(18, 12, 6) = 7, SEND = 9567, the size of the four derivatives for deriv).',
    QUICK ? 'BENCH_QUICK=1: reduced sizes.' : 'Full sizes.',
    `1-minute load average at the start: ${loadAtStart.toFixed(1)} (on a shared machine the ratios move with the load).`,
  ])
} finally {
  rmSync(dir, { recursive: true, force: true })
}
