import type { Clause, Term } from './terms.js'

/** A call from one clause body: the predicate called, its arguments, and whether it is under negation/aggregation. */
interface BodyCall {
  readonly pi: string
  readonly args: readonly Term[]
  readonly negative: boolean
}

/** What the solver needs to know about a program's predicate dependency graph. */
export interface ProgramAnalysis {
  /** Predicates answered from tables: the declared ones and the automatically tabled recursive components. */
  readonly tabled: ReadonlySet<string>
  /** The automatically tabled predicates (a subset of `tabled`). */
  readonly autoTabled: ReadonlySet<string>
  /** Tabled predicates whose component depends negatively on itself, with a cycle that shows it (`p/1 -> \+ q/1 -> p/1`). */
  readonly unstratified: ReadonlyMap<string, string>
}

const CONTROL = new Set([',/2', ';/2', '->/2', '*->/2', 'once/1', 'ignore/1'])
/** Goals whose argument goals are read as a whole (non-monotonic): a cycle through them is not stratified. */
const NEGATIVE: Record<string, readonly number[]> = {
  '\\+/1': [0],
  'not/1': [0],
  'forall/2': [0, 1],
  'findall/3': [1],
  'findall/4': [1],
  'aggregate_all/3': [1],
  'bagof/3': [1],
  'setof/3': [1],
}

function piOf(t: Term): string | null {
  if (t.kind === 'atom') return `${t.name}/0`
  if (t.kind === 'compound') return `${t.name}/${t.args.length}`
  return null
}

/** The calls a body goal makes (through control constructs, negation, aggregation and `call/N` of a known goal). */
function bodyCalls(g: Term, negative: boolean, out: BodyCall[]): BodyCall[] {
  const pi = piOf(g)
  if (pi === null || g.kind === 'var') return out
  const args = g.kind === 'compound' ? g.args : []
  if (CONTROL.has(pi)) {
    for (const a of args) bodyCalls(a, negative, out)
    return out
  }
  const neg = NEGATIVE[pi]
  if (neg !== undefined) {
    for (const i of neg) bodyCalls(args[i] as Term, true, out)
    return out
  }
  if (g.kind === 'compound' && g.name === 'call') {
    const inner = args[0] as Term
    const extra = args.slice(1)
    if (inner.kind === 'atom')
      bodyCalls(extra.length === 0 ? inner : { kind: 'compound', name: inner.name, args: extra }, negative, out)
    else if (inner.kind === 'compound')
      bodyCalls({ kind: 'compound', name: inner.name, args: [...inner.args, ...extra] }, negative, out)
    return out
  }
  out.push({ pi, args, negative })
  return out
}

const flat = (ts: readonly Term[]) => ts.every((t) => t.kind !== 'compound')
const hasCut = (g: Term): boolean =>
  (g.kind === 'atom' && g.name === '!') || (g.kind === 'compound' && g.args.some(hasCut))

/** Tarjan's strongly connected components, iteratively; components come out callees first. */
function components(nodes: readonly string[], edges: ReadonlyMap<string, readonly BodyCall[]>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const out: string[][] = []
  for (const root of nodes) {
    if (index.has(root)) continue
    const work: Array<{ v: string; i: number }> = [{ v: root, i: 0 }]
    index.set(root, index.size)
    low.set(root, index.get(root) as number)
    stack.push(root)
    onStack.add(root)
    while (work.length > 0) {
      const top = work[work.length - 1] as { v: string; i: number }
      const succ = edges.get(top.v) ?? []
      if (top.i < succ.length) {
        const w = (succ[top.i++] as BodyCall).pi
        if (!edges.has(w)) continue
        if (!index.has(w)) {
          index.set(w, index.size)
          low.set(w, index.get(w) as number)
          stack.push(w)
          onStack.add(w)
          work.push({ v: w, i: 0 })
        } else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v) as number, index.get(w) as number))
        continue
      }
      work.pop()
      const parent = work[work.length - 1]
      if (parent !== undefined) low.set(parent.v, Math.min(low.get(parent.v) as number, low.get(top.v) as number))
      if (low.get(top.v) === index.get(top.v)) {
        const scc: string[] = []
        let w: string
        do {
          w = stack.pop() as string
          onStack.delete(w)
          scc.push(w)
        } while (w !== top.v)
        out.push(scc)
      }
    }
  }
  return out
}

/** A shortest path inside `scc` from `from` to `to`, as predicate indicators. */
function pathWithin(
  from: string,
  to: string,
  scc: ReadonlySet<string>,
  edges: ReadonlyMap<string, readonly BodyCall[]>,
) {
  const prev = new Map<string, string>([[from, from]])
  const queue = [from]
  while (queue.length > 0) {
    const v = queue.shift() as string
    if (v === to) break
    for (const c of edges.get(v) ?? [])
      if (scc.has(c.pi) && !prev.has(c.pi)) {
        prev.set(c.pi, v)
        queue.push(c.pi)
      }
  }
  const path = [to]
  for (let v = to; v !== from; v = prev.get(v) as string) path.unshift(prev.get(v) as string)
  return path
}

/**
 * Analyses a program's predicate dependency graph. A recursive strongly connected component is tabled automatically
 * when it is Datalog-shaped: no cut in its clauses, and no compound term in their heads or in the arguments of the
 * component's own recursive calls (structural recursion over lists and terms keeps Prolog's SLD resolution, which
 * terminates there and keeps Prolog's answer order). A tabled component that calls itself through negation or an
 * aggregate (`\+`, `findall`, `forall`, `aggregate_all`, ...) is not stratified: it is reported with a cycle.
 */
export function analyse(clauses: readonly Clause[], declared: ReadonlySet<string>): ProgramAnalysis {
  const edges = new Map<string, BodyCall[]>()
  const byPred = new Map<string, Clause[]>()
  for (const c of clauses) {
    const pi = piOf(c.head) as string
    let calls = edges.get(pi)
    if (calls === undefined) {
      calls = []
      edges.set(pi, calls)
      byPred.set(pi, [])
    }
    bodyCalls(c.body, false, calls)
    byPred.get(pi)?.push(c)
  }
  for (const pi of declared) if (!edges.has(pi)) edges.set(pi, [])
  const tabled = new Set(declared)
  const autoTabled = new Set<string>()
  const unstratified = new Map<string, string>()
  for (const list of components([...edges.keys()], edges)) {
    const scc = new Set(list)
    const recursive = list.length > 1 || (edges.get(list[0] as string) ?? []).some((c) => c.pi === list[0])
    if (!recursive) continue
    const datalog = list.every((pi) =>
      (byPred.get(pi) ?? []).every(
        (c) =>
          !hasCut(c.body) &&
          (c.head.kind === 'atom' || flat(c.head.args)) &&
          bodyCalls(c.body, false, []).every((b) => !scc.has(b.pi) || flat(b.args)),
      ),
    )
    if (datalog)
      for (const pi of list) {
        if (!tabled.has(pi)) autoTabled.add(pi)
        tabled.add(pi)
      }
    if (!list.some((pi) => tabled.has(pi))) continue
    for (const pi of list) {
      const neg = (edges.get(pi) ?? []).find((c) => c.negative && scc.has(c.pi))
      if (neg === undefined) continue
      const back = pathWithin(neg.pi, pi, scc, edges)
      const cycle = `${pi} -> \\+ ${back.join(' -> ')}`
      for (const p of list) unstratified.set(p, cycle)
      break
    }
  }
  return { tabled, autoTabled, unstratified }
}
