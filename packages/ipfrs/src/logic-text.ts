/** Answers and proofs of the knowledge base as plain data with printed terms. */
import type { ProofStep } from '@ipfrs/node-api'
import { type Answer, type ProofNode, printClause, printTerm } from '@ipfrs/tensorlogic'

/** A proof step and a proof tree as plain data (the contract's types). */
export type { ProofStep, ProofTree } from '@ipfrs/node-api'

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
