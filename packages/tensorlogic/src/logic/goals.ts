import type { PNode } from './engine-state.js'
import { type RT, variantKey } from './unify.js'

/** Names of the control constructs and solver-level built-ins handled in `step` before predicate lookup. */
export const CONTROL = new Set([
  'true',
  'fail',
  'false',
  '!',
  ',',
  ';',
  '->',
  '\\+',
  'not',
  'forall',
  'findall',
  'aggregate_all',
  'format',
])
const PI_KEYS = new Map<string, string[]>()

/** `name/arity`, cached (built once per functor instead of once per call). */
export function piKey(name: string, n: number): string {
  let byArity = PI_KEYS.get(name)
  if (byArity === undefined) {
    byArity = []
    PI_KEYS.set(name, byArity)
  }
  let k = byArity[n]
  if (k === undefined) {
    k = `${name}/${n}`
    byArity[n] = k
  }
  return k
}

/** Whether `g` is a variant of a goal on its proof path. */
export function loops(g: RT, node: PNode | null): boolean {
  const key = variantKey(g)
  for (let n = node; n !== null; n = n.parent) if (n.via === 'clause' && variantKey(n.goal) === key) return true
  return false
}
