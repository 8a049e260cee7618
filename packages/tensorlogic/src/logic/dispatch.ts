import { BUILTINS, type Builtin, LIBRARY } from './builtins.js'
import { NONDET_BUILTINS, type NondetBuiltin } from './builtins-text.js'
import type { Predicate } from './clause-index.js'
import { KnowledgeBase } from './knowledge-base.js'
import type { ProgramAnalysis } from './strata.js'

/** The goals `step` handles itself (control constructs and solver-level built-ins), by `name/arity` or atom name. */
const CONTROL_KEYS = new Set([
  'true/0',
  'fail/0',
  'false/0',
  '!/0',
  ',/2',
  ';/2',
  '->/2',
  '\\+/1',
  'not/1',
  'forall/2',
  'findall/3',
  'aggregate_all/3',
  'format/3',
])

export const T_CONTROL = 0
export const T_CALL = 1
export const T_BUILTIN = 2
export const T_CLAUSES = 3
export const T_NONDET = 4
export const T_UNKNOWN = 5

/** What a call of `name/arity` resolves to in one knowledge base version (computed once, cached per call site). */
export interface Target {
  readonly kind: 0 | 1 | 2 | 3 | 4 | 5
  readonly key: string
  /** Answered from a table (unless the engine evaluates the table itself). */
  readonly tabled: boolean
  /** The unstratified cycle through this tabled predicate, if any. */
  readonly cycle: string | undefined
  readonly autoTabled: boolean
  readonly builtin: Builtin | undefined
  readonly nondet: NondetBuiltin | undefined
  readonly pred: Predicate | undefined
}

let library: KnowledgeBase | undefined

/** Resolves `name/arity` (`key`) against a knowledge base and its analysis, in the solver's precedence order. */
export function resolveTarget(key: string, arity: number, kb: KnowledgeBase, analysis: ProgramAnalysis): Target {
  const base = {
    key,
    tabled: analysis.tabled.has(key),
    cycle: analysis.unstratified.get(key),
    autoTabled: analysis.autoTabled.has(key),
    builtin: undefined,
    nondet: undefined,
    pred: undefined,
  }
  if (CONTROL_KEYS.has(key)) return { ...base, kind: T_CONTROL }
  if (key.startsWith('call/') && arity >= 1) return { ...base, kind: T_CALL }
  const builtin = BUILTINS.get(key)
  if (builtin !== undefined) return { ...base, kind: T_BUILTIN, builtin }
  let pred = kb.predicate(key)
  if (pred !== undefined) return { ...base, kind: T_CLAUSES, pred }
  const nondet = NONDET_BUILTINS.get(key)
  if (nondet !== undefined) return { ...base, kind: T_NONDET, nondet }
  library ??= libraryKb()
  pred = library.predicate(key)
  if (pred !== undefined) return { ...base, kind: T_CLAUSES, pred }
  return { ...base, kind: T_UNKNOWN }
}

function libraryKb(): KnowledgeBase {
  const kb = new KnowledgeBase()
  kb.consult(LIBRARY)
  return kb
}
