// @ipfrs/tensorlogic: TensorLogic (terms, parser, content-addressed rules, inference, distributed reasoning),
// computation graphs and temporal patterns.

// Computation graphs and gradient checkpoints (src/graph/)
/** Atomic checkpoint/resume of training state in a directory (HEAD swap, hash-verified files, keep-last-N GC). */
export {
  type CheckpointInfo,
  type CheckpointState,
  GradientCheckpoint,
  type GradientCheckpointOptions,
  type LoadedCheckpoint,
} from './graph/checkpoint.js'
/** Typed errors of graphs and checkpoints (ERR_MISSING_NODE, ERR_INVALID_GRAPH_NODE, ERR_CORRUPT_CHECKPOINT, ...). */
export {
  CheckpointNotFoundError,
  CorruptCheckpointError,
  GraphCycleError,
  GraphEvalError,
  GraphTooLargeError,
  InvalidCheckpointError,
  InvalidGraphNodeError,
  MissingNodeError,
  UnknownOpError,
} from './graph/graph-errors.js'
/** A CID-linked DAG of operations over a Blockstore: topological order, provenance, subgraphs, evaluation. */
export {
  type ComputationGraph,
  ComputationGraphStore,
  type ComputationGraphStoreInit,
  type Evaluation,
  type GraphCallOptions,
  type GraphNodeInput,
  type Provenance,
  type ProvenanceStep,
  topologicalOrder,
} from './graph/graph-store.js'
/** Graph node and tensor block formats, their validation, and the built-in ops. */
export {
  type AttrValue,
  decodeTensor,
  defaultOps,
  encodeNode,
  encodeTensor,
  type GraphNode,
  type OpFn,
  type Tensor,
  validateNode,
} from './graph/graph-types.js'
// Logic: terms, text syntax, storage, inference, distributed reasoning (src/logic/)
/** Built-in predicates and the arithmetic evaluator. */
export { evaluate } from './logic/arith.js'
export { BUILTINS, LIBRARY } from './logic/builtins.js'
/** Peer-to-peer rule exchange and distributed queries over GossipSub and Bitswap. */
export {
  type DistributedAnswer,
  type DistributedInferOptions,
  DistributedReasoner,
  type DistributedReasonerInit,
  TENSORLOGIC_TOPIC,
} from './logic/distributed.js'
/** Canonical DAG-CBOR blocks of terms, clauses and knowledge bases. */
export {
  clauseCid,
  decodeClause,
  encodeClause,
  ipldToTerm,
  type SnapshotOptions,
  termToIpld,
} from './logic/encoding.js'
/** Typed errors of the logic engine (ERR_PARSE, ERR_DEPTH_LIMIT, ERR_TIMEOUT, ERR_INVALID_RULE_BLOCK, ...). */
export {
  DepthLimitError,
  EvaluationError,
  InstantiationError,
  InvalidClauseError,
  InvalidRuleBlockError,
  ParseError,
  QueryTimeoutError,
  RuleNotFoundError,
  UnknownPredicateError,
  UnstratifiedError,
} from './logic/errors.js'
/** Facts and rules indexed for the solver, with table declarations and IPLD snapshots. */
export { type KbStats, KnowledgeBase } from './logic/knowledge-base.js'
/** The Prolog-like text syntax. */
export { parseClause, parseProgram, parseTerm } from './logic/parser.js'
/** The canonical text form. */
export { formatAtom, printClause, printProgram, printTerm } from './logic/printer.js'
/** Clauses as content-addressed blocks in a Blockstore. */
export { RuleStore } from './logic/rule-store.js'
/** The SLD-resolution solver with tabling. */
export { type Answer, type ProofAnswer, type ProofNode, type QueryOptions, Solver } from './logic/solver.js'
/** The predicate dependency analysis: automatic tabling of recursive components and stratification. */
export { analyse, type ProgramAnalysis } from './logic/strata.js'
/** The term IR and its constructors. */
export {
  type Atom,
  atom,
  bool,
  type Clause,
  type Compound,
  canonicalClause,
  compound,
  type Directive,
  type Float,
  fact,
  float,
  type Int,
  int,
  isFact,
  list,
  type Program,
  rule,
  type Str,
  str,
  type Term,
  termEquals,
  type Var,
  v,
} from './logic/terms.js'
// Temporal patterns (src/temporal/)
/** Typed errors of the temporal matcher (ERR_INVALID_PATTERN, ERR_OUT_OF_ORDER_EVENT, ERR_PARTIAL_MATCH_LIMIT, ...). */
export {
  InvalidEventError,
  InvalidPatternError,
  OutOfOrderEventError,
  PartialMatchLimitError,
} from './temporal/temporal-errors.js'
/** The NFA matcher of temporal patterns over time-ordered events. */
export {
  type MatcherConfig,
  type MatcherMetrics,
  type SelectionStrategy,
  TemporalPatternMatcher,
} from './temporal/temporal-matcher.js'
/** Temporal patterns: the builder, the text form and their types. */
export {
  type AttrCondition,
  type Comparison,
  type Match,
  type Pattern,
  PatternBuilder,
  type PatternStep,
  parsePattern,
  pattern,
  type TemporalEvent,
  validatePattern,
} from './temporal/temporal-pattern.js'
