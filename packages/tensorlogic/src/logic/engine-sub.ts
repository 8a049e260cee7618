/** What the engine runs in sub-engines: tabled evaluation (and reading a table's answers), findall, negation. */
import { type Tpl, unifyTpl } from './clause-compile.js'
import { Engine } from './engine.js'
import { ANSWERS, type Frame } from './engine-state.js'
import type { AnswerTable } from './tabling.js'
import { copyTerm, type RT } from './unify.js'

/** A call of a tabled predicate: its table (evaluated in a sub-engine when new), then its answers as alternatives. */
export function tabledCall(e: Engine, g: RT & { kind: 'atom' | 'compound' }, f: Frame): boolean {
  const ctx = e.ctx
  const table = ctx.tables.call(g, () => {
    const goal = copyTerm(g, ctx.trail)
    const depth = f.depth
    return (t) => {
      const sub = new Engine(ctx, goal, depth, false, true)
      try {
        while (sub.next()) ctx.tables.addAnswer(t, goal)
      } finally {
        sub.close()
      }
    }
  })
  return tryAnswers(e, g, f, table, 0)
}

/** Tries a table's answers from the `i`th on (a choicepoint for the rest, and for answers still to come). */
export function tryAnswers(e: Engine, g: RT, f: Frame, table: AnswerTable, i: number): boolean {
  const trail = e.ctx.trail
  const answers = table.answers
  const B = e.top
  for (; i < answers.length; i++) {
    const more = i + 1 < answers.length || table.status !== 'complete'
    const mark = trail.refs.length
    if (more) e.push(ANSWERS, f, i + 1, undefined, table)
    if (unifyTpl(answers[i] as Tpl, g, [], trail)) {
      if (e.proof) e.log(g, 'table', f.pnode)
      e.goals = f.next
      return true
    }
    if (more) e.cut(B)
    trail.undo(mark)
  }
  if (table.status !== 'complete') e.ctx.tables.starved(table)
  return false
}

/** Copies of `template` for every solution of `goal` (findall/3). */
export function collect(e: Engine, template: RT, goal: RT, f: Frame): RT[] {
  const results: RT[] = []
  const sub = new Engine(e.ctx, goal, f.depth, false)
  e.ctx.tables.barrier(true)
  try {
    while (sub.next()) results.push(copyTerm(template, e.ctx.trail))
  } finally {
    e.ctx.tables.barrier(false)
    sub.close()
  }
  return results
}

/** Whether `goal` has a solution (negation, forall/2). */
export function succeeds(e: Engine, goal: RT, f: Frame): boolean {
  const sub = new Engine(e.ctx, goal, f.depth, false)
  e.ctx.tables.barrier(true)
  try {
    return sub.next() === true
  } finally {
    e.ctx.tables.barrier(false)
    sub.close()
  }
}
