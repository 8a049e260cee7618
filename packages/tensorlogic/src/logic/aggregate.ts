import { evaluate } from './arith.js'
import { arrayToList } from './builtins.js'
import { EvaluationError, InstantiationError } from './errors.js'
import type { Int } from './terms.js'
import { compareTerms, deref, type RT } from './unify.js'

const ZERO: Int = { kind: 'int', value: 0n }

/** The template aggregate_all/3 collects for `spec` (`count`, `sum(E)`, `max(E)`, `min(E)`, `bag(T)`, `set(T)`). */
export function aggregateTemplate(spec0: RT): RT {
  const spec = deref(spec0)
  if (spec.kind === 'atom' && spec.name === 'count') return ZERO
  if (
    spec.kind === 'compound' &&
    spec.args.length === 1 &&
    ['sum', 'max', 'min', 'bag', 'set', 'count'].includes(spec.name)
  )
    return spec.args[0] as RT
  if (spec.kind === 'ref') throw new InstantiationError('aggregate_all/3 needs an aggregate specification')
  throw new EvaluationError(
    'aggregate_all/3: the specification must be count, sum(E), max(E), min(E), bag(T) or set(T)',
  )
}

const num = (n: bigint | number): RT =>
  typeof n === 'bigint' ? { kind: 'int', value: n } : { kind: 'float', value: n }

/**
 * The result of aggregate_all/3 over the collected template instances, as SWI-Prolog gives it: `count` and `sum` of
 * no solutions are 0, `bag`/`set` are `[]`, `max`/`min` of no solutions fail (`null`). `sum`, `max` and `min`
 * evaluate their expression arithmetically.
 */
export function aggregateResult(spec0: RT, items: readonly RT[]): RT | null {
  const spec = deref(spec0)
  const name = spec.kind === 'atom' ? spec.name : (spec as { name: string }).name
  switch (name) {
    case 'count':
      return { kind: 'int', value: BigInt(items.length) }
    case 'bag':
      return arrayToList(items)
    case 'set': {
      const sorted = [...items].sort(compareTerms)
      return arrayToList(sorted.filter((x, i) => i === 0 || compareTerms(sorted[i - 1] as RT, x) !== 0))
    }
    case 'sum': {
      let acc: bigint | number = 0n
      for (const x of items) acc = evaluate({ kind: 'compound', name: '+', args: [num(acc), x] })
      return num(acc)
    }
    default: {
      if (items.length === 0) return null
      let acc = evaluate(items[0] as RT)
      for (let i = 1; i < items.length; i++)
        acc = evaluate({ kind: 'compound', name, args: [num(acc), items[i] as RT] })
      return num(acc)
    }
  }
}
