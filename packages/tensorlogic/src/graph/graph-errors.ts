/**
 * Errors of computation graphs, gradient checkpoints and temporal patterns. Every class is an `IpfrsError` with a
 * stable `code`; match on the code (`isIpfrsError(err, 'ERR_MISSING_NODE')`), never on the message.
 */
import { IpfrsError } from '@ipfrs/core'

/** A graph node or tensor that a graph refers to is not in the blockstore. */
export class MissingNodeError extends IpfrsError {
  static override readonly httpStatus = 404
  static readonly code = 'ERR_MISSING_NODE'
  readonly cid: string
  constructor(cid: string, context?: string, options?: { cause?: unknown }) {
    super(MissingNodeError.code, `missing graph node or tensor ${cid}${context ? ` (${context})` : ''}`, options)
    this.cid = cid
  }
}

/** A graph node or tensor block that is malformed: wrong fields, wrong types, bad bytes or a bad hash. */
export class InvalidGraphNodeError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_GRAPH_NODE'
  constructor(problem: string, options?: { cause?: unknown }) {
    super(InvalidGraphNodeError.code, `invalid graph node: ${problem}`, options)
  }
}

/** A set of graph nodes that is not acyclic (impossible for verified content-addressed blocks; checked anyway). */
export class GraphCycleError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_GRAPH_CYCLE'
  constructor(remaining: number) {
    super(GraphCycleError.code, `graph has a cycle: ${remaining} node(s) could not be ordered`)
  }
}

/** A graph larger than the configured `maxNodes`. */
export class GraphTooLargeError extends IpfrsError {
  static override readonly httpStatus = 413
  static readonly code = 'ERR_GRAPH_TOO_LARGE'
  constructor(limit: number) {
    super(GraphTooLargeError.code, `graph has more than ${limit} nodes`)
  }
}

/** A node whose `op` has no implementation in the evaluation registry. */
export class UnknownOpError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_UNKNOWN_OP'
  constructor(op: string) {
    super(UnknownOpError.code, `no implementation for op "${op}"`)
  }
}

/** An op that cannot run on its inputs (wrong arity, mismatched shapes). */
export class GraphEvalError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_GRAPH_EVAL'
  constructor(op: string, problem: string) {
    super(GraphEvalError.code, `op "${op}": ${problem}`)
  }
}

/** A checkpoint file whose bytes do not match its recorded hash, or a head/manifest that does not parse. */
export class CorruptCheckpointError extends IpfrsError {
  static override readonly httpStatus = 500
  static readonly code = 'ERR_CORRUPT_CHECKPOINT'
  constructor(problem: string, options?: { cause?: unknown }) {
    super(CorruptCheckpointError.code, `corrupt checkpoint: ${problem}`, options)
  }
}

/** No checkpoint (or no checkpoint with the asked id) in the directory. */
export class CheckpointNotFoundError extends IpfrsError {
  static override readonly httpStatus = 404
  static readonly code = 'ERR_CHECKPOINT_NOT_FOUND'
  constructor(what: string) {
    super(CheckpointNotFoundError.code, `no checkpoint ${what}`)
  }
}

/** Checkpoint input that cannot be saved (bad step, bad tensor name, metadata that is not JSON). */
export class InvalidCheckpointError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_CHECKPOINT'
  constructor(problem: string) {
    super(InvalidCheckpointError.code, `invalid checkpoint input: ${problem}`)
  }
}
