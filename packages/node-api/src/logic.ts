/** The knowledge base (TensorLogic) of a node: `node.logic`, and the hybrid logic + semantic query. */
import type { AbortOptions } from './options.js'

/** Limits of one query. Without `timeoutMs` the config's `Logic.QueryTimeoutMs` applies. */
export interface LogicQueryOptions extends AbortOptions {
  /** Stop after this many answers (default: all). */
  limit?: number
  /** Wall-clock limit; past it the query fails with `ERR_TIMEOUT` (`QueryTimeoutError`). */
  timeoutMs?: number
  /** Deepest proof allowed (nested resolution steps); deeper fails with `ERR_DEPTH_LIMIT`. */
  maxDepth?: number
}

/** Options of a query asked of every peer on the topic (online only). */
export interface DistributedQueryOptions extends AbortOptions {
  /** How long to collect peers' answers (default 3,000 ms). */
  timeoutMs?: number
  /** Answers asked of each peer (default 1,000). */
  limit?: number
  /** Include this node's own answers (default true). */
  includeLocal?: boolean
}

/** Variable name → printed term, e.g. `{ X: 'tom' }`. */
export type Bindings = Record<string, string>

/** One step of a proof as plain data: the goal as proven, how, the clause used, and its sub-proofs. */
export interface ProofStep {
  goal: string
  via: 'clause' | 'builtin' | 'table'
  clause?: string
  children: ProofStep[]
}

/** The proof of a goal's first solution: its bindings and one proof per top-level goal. */
export interface ProofTree {
  bindings: Bindings
  proof: ProofStep[]
}

/** A merged answer of a distributed query. */
export interface LogicDistributedAnswer {
  /** The goal as instantiated by this answer. */
  answer: string
  bindings: Bindings
  /** Peer IDs that gave it (`'local'` for this node). */
  from: string[]
}

/** Knowledge-base counts and the root CID of the last snapshot (saved or restored). */
export interface LogicStats {
  readonly clauses: number
  readonly facts: number
  readonly rules: number
  readonly predicates: number
  readonly tabled: number
  root?: string
  /** Why the snapshot could not be restored when the node started (the KB then started empty). */
  restoreError?: string
  /** Queries (local, prove, hybrid) running right now. */
  readonly activeQueries: number
}

/** `node.logic`. Mutations run one at a time; queries run against the KB as it is when they start. */
export interface LogicApi {
  /** Adds a whole program (clauses and directives), parsed before anything is added. */
  readonly load: (program: string, options?: AbortOptions) => Promise<{ clauses: number }>
  /** Adds one fact; returns its clause CID. */
  readonly addFact: (text: string, options?: AbortOptions) => Promise<string>
  /** Adds one rule; returns its clause CID. */
  readonly addRule: (text: string, options?: AbortOptions) => Promise<string>
  /** Every solution of `goal` (or the first `limit`). */
  readonly query: (goal: string, options?: LogicQueryOptions) => Promise<Bindings[]>
  /** The proof of the first solution, or null when there is none. */
  readonly prove: (goal: string, options?: LogicQueryOptions) => Promise<ProofTree | null>
  /** Answers from this node and every peer that answers in time (online only). */
  readonly distributedQuery: (goal: string, options?: DistributedQueryOptions) => Promise<LogicDistributedAnswer[]>
  readonly stats: () => LogicStats
  /** Stores clauses as content-addressed blocks for peers to fetch; returns their CIDs. */
  readonly publish: (text: string, options?: AbortOptions) => Promise<string[]>
  /** Fetches published clauses by CID (repo first, then peers) into the KB; returns those added. */
  readonly fetch: (cids: string[], options?: AbortOptions) => Promise<string[]>
}

/** Options of a hybrid query: the logic limits plus the semantic search that ranks the answers. */
export interface HybridOptions extends LogicQueryOptions {
  /** The semantic search text (without it, the result is the logic answers alone, unranked). */
  semantic?: string
  /** Semantic hits to consider (default 10). */
  topK?: number
}

/** One answer of a hybrid query: its bindings and, when a bound value is a CID the search found, that hit. */
export interface HybridAnswer {
  bindings: Bindings
  score?: number
  cid?: string
}

/** Answers ranked by semantic score (unscored after, in solver order), and the hits no answer reached. */
export interface HybridResult {
  answers: HybridAnswer[]
  /** Semantic hits that no logic answer reached, best first. */
  unmatched: Array<{ cid: string; score: number }>
}

/** The hybrid query, on a node that has both a knowledge base and a semantic index. */
export interface HybridApi {
  readonly hybridQuery: (goal: string, options?: HybridOptions) => Promise<HybridResult>
}
