// @ipfrs/tensorlogic: under construction

// Computation graphs, gradient checkpoints and temporal patterns
/** Atomic checkpoint/resume of training state in a directory (HEAD swap, hash-verified files, keep-last-N GC). */
export {
  type CheckpointInfo,
  type CheckpointState,
  GradientCheckpoint,
  type GradientCheckpointOptions,
  type LoadedCheckpoint,
} from './checkpoint.js'
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
} from './graph-errors.js'
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
} from './graph-store.js'
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
} from './graph-types.js'
/** Typed errors of the temporal matcher (ERR_INVALID_PATTERN, ERR_OUT_OF_ORDER_EVENT, ERR_PARTIAL_MATCH_LIMIT, ...). */
export {
  InvalidEventError,
  InvalidPatternError,
  OutOfOrderEventError,
  PartialMatchLimitError,
} from './temporal-errors.js'
/** The NFA matcher of temporal patterns over time-ordered events. */
export {
  type MatcherConfig,
  type MatcherMetrics,
  type SelectionStrategy,
  TemporalPatternMatcher,
} from './temporal-matcher.js'
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
} from './temporal-pattern.js'
