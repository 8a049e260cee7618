/** The control constructs (conjunction, disjunction, if-then-else, cut, negation) and solver-level built-ins. */
import { aggregateResult, aggregateTemplate } from './aggregate.js'
import { arrayToList } from './builtins.js'
import { formatSink, formatString } from './builtins-text.js'
import type { Engine } from './engine.js'
import { type Frame, GOALS } from './engine-state.js'
import { collect, succeeds } from './engine-sub.js'
import { deref, type RT, unify } from './unify.js'

const CUT: RT = { kind: 'atom', name: '!' }

/** The control constructs and solver-level built-ins. */
export function control(e: Engine, key: string, args: readonly RT[], f: Frame): boolean {
  switch (key) {
    case '!/0':
      e.cut(f.cutB)
      return true
    case 'true/0':
      return true
    case 'fail/0':
    case 'false/0':
      return false
    case ',/2':
      e.goals = e.frame(args[0] as RT, e.frame(args[1] as RT, f.next, f), f)
      return true
    case ';/2': {
      const c = deref(args[0] as RT)
      const B = e.top
      e.push(GOALS, e.frame(args[1] as RT, f.next, f), 0)
      if (c.kind === 'compound' && c.name === '->' && c.args.length === 2) {
        const then = e.frame(c.args[1] as RT, f.next, f)
        e.goals = e.frame(c.args[0] as RT, e.frame(CUT, then, f, B), f, B + 1)
      } else e.goals = e.frame(c, f.next, f)
      return true
    }
    case '->/2': {
      const B = e.top
      const then = e.frame(args[1] as RT, f.next, f)
      e.goals = e.frame(args[0] as RT, e.frame(CUT, then, f, B), f, B)
      return true
    }
    case '\\+/1':
    case 'not/1':
      return !succeeds(e, args[0] as RT, f)
    case 'forall/2':
      return !succeeds(
        e,
        {
          kind: 'compound',
          name: ',',
          args: [args[0] as RT, { kind: 'compound', name: '\\+', args: [args[1] as RT] }],
        },
        f,
      )
    case 'findall/3':
      return unify(args[2] as RT, arrayToList(collect(e, args[0] as RT, args[1] as RT, f)), e.ctx.trail)
    case 'aggregate_all/3': {
      const items = collect(e, aggregateTemplate(args[0] as RT), args[1] as RT, f)
      const result = aggregateResult(args[0] as RT, items)
      return result !== null && unify(args[2] as RT, result, e.ctx.trail)
    }
    case 'format/3': {
      const { target, value } = formatSink(args[0] as RT, formatString(args[1] as RT, args[2] as RT))
      return unify(target, value, e.ctx.trail)
    }
  }
  return false
}

/** The goal trying each solution of a nondeterministic built-in in turn: a disjunction of unifications. */
export function nondetGoal(name: string, args: readonly RT[], sols: (RT | undefined)[][]): RT {
  const eq = (sol: (RT | undefined)[]): RT => ({
    kind: 'compound',
    name: '=',
    args: [
      { kind: 'compound', name, args },
      { kind: 'compound', name, args: sol.map((x, i) => x ?? (args[i] as RT)) },
    ],
  })
  let goal = eq(sols[sols.length - 1] as (RT | undefined)[])
  for (let i = sols.length - 2; i >= 0; i--)
    goal = { kind: 'compound', name: ';', args: [eq(sols[i] as (RT | undefined)[]), goal] }
  return goal
}
