/** Answers and proofs of the knowledge base as plain data with printed terms. */
import { type Answer, type ProofNode, printClause, printTerm } from '@ipfrs/tensorlogic'

/** One step of a proof as plain data: the goal as proven, how, the clause used, and its sub-proofs. */
export interface ProofStep {
  goal: string
  via: 'clause' | 'builtin' | 'table'
  clause?: string
  children: ProofStep[]
}

/** The proof of a goal's first solution: its bindings and one proof per top-level goal. */
export interface ProofTree {
  bindings: Record<string, string>
  proof: ProofStep[]
}

/** Prints bindings as variable name → canonical term text. */
export function printed(a: Answer): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, t] of Object.entries(a)) out[k] = printTerm(t)
  return out
}

export function proofStep(n: ProofNode): ProofStep {
  const step: ProofStep = { goal: printTerm(n.goal), via: n.via, children: n.children.map(proofStep) }
  if (n.clause !== undefined) step.clause = printClause(n.clause)
  return step
}
