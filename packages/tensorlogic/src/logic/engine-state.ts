/** What the solver's engine works on: goal frames, choicepoints, the proof log and the context a query shares. */
import type { CompiledClause, Site } from './clause-compile.js'
import type { Target } from './dispatch.js'
import { QueryTimeoutError } from './errors.js'
import type { KnowledgeBase } from './knowledge-base.js'
import type { ProofNode } from './solver.js'
import type { ProgramAnalysis } from './strata.js'
import type { AnswerTable, TableSpace } from './tabling.js'
import type { Clause } from './terms.js'
import type { RT, Trail } from './unify.js'

/** A goal to prove, with the rest of the conjunction after it. */
export interface Frame {
  readonly goal: RT
  readonly next: Frame | null
  readonly depth: number
  readonly cutB: number
  readonly pnode: PNode | null
  /** The clause body goal this frame came from (caches what the goal resolves to), or null. */
  readonly site: Site | null
  /**
   * For a compiled built-in (`site.op`): the clause's variable frame it runs over; for another goal of a compiled
   * clause: its arguments (the goal term, `site.name` over them, is built only if needed); otherwise null.
   */
  readonly env: RT[] | null
}
/** A proof-log node: a goal as resolved and its parent. */
export interface PNode {
  readonly goal: RT
  readonly via: ProofNode['via']
  readonly clause?: Clause
  readonly parent: PNode | null
}
/** The proof log, newest first. */
export interface PLog {
  readonly node: PNode
  readonly next: PLog | null
}
/** Choicepoint kinds: untried clauses, an alternative goal list, unread table answers. */
export const CLAUSES = 0
export const GOALS = 1
export const ANSWERS = 2
/** A choicepoint: what to resume on backtracking, and the trail height and proof log to restore (reused records). */
export interface ChoicePoint {
  kind: 0 | 1 | 2
  trailTop: number
  mark: number
  plog: PLog | null
  frame: Frame
  list: readonly CompiledClause[] | undefined
  table: AnswerTable | undefined
  idx: number
}

/** What one query's engines share. */
export interface Context {
  readonly kb: KnowledgeBase
  readonly trail: Trail
  readonly maxDepth: number
  readonly deadline: number
  readonly signal: AbortSignal | undefined
  readonly tables: TableSpace
  readonly analysis: ProgramAnalysis
  /** What each `name/arity` resolves to in this knowledge base version (call sites cache entries of it). */
  readonly targets: Map<string, Target>
  steps: number
  /** Whether clauses may run compiled (no built-in is tabled); computed by the first engine. */
  compiledOk?: boolean
}

/** Ends the query when its signal fired or its deadline passed. */
export function check(ctx: Context): void {
  if (ctx.signal?.aborted) throw new QueryTimeoutError('query aborted', { cause: ctx.signal.reason })
  if (Date.now() > ctx.deadline) throw new QueryTimeoutError()
}
