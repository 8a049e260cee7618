import { IpfrsError } from '@ipfrs/core'

/** Program or query text that does not parse; `line` and `column` are 1-based. */
export class ParseError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_PARSE'
  readonly line: number
  readonly column: number
  constructor(message: string, line: number, column: number) {
    super(ParseError.code, `${message} at line ${line}, column ${column}`)
    this.line = line
    this.column = column
  }
}

/** A query whose proof went deeper than `maxDepth` resolution steps. */
export class DepthLimitError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_DEPTH_LIMIT'
  constructor(limit: number, message = `proof depth limit ${limit} exceeded`) {
    super(DepthLimitError.code, message)
  }
}

/** A query that ran past its time limit or whose AbortSignal fired. */
export class QueryTimeoutError extends IpfrsError {
  static override readonly httpStatus = 504
  static readonly code = 'ERR_TIMEOUT'
  constructor(message = 'query time limit exceeded', options?: { cause?: unknown }) {
    super(QueryTimeoutError.code, message, options)
  }
}

/** A goal that needs a bound argument (arithmetic on a variable, calling a variable). */
export class InstantiationError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INSTANTIATION'
  constructor(context: string) {
    super(InstantiationError.code, `arguments are not sufficiently instantiated: ${context}`)
  }
}

/** Arithmetic on something that is not a number, or that cannot be computed (division by zero). */
export class EvaluationError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_EVALUATION'
  constructor(message: string) {
    super(EvaluationError.code, message)
  }
}

/** A call to a predicate with no clauses that was never declared (SWI-Prolog's existence error). */
export class UnknownPredicateError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_UNKNOWN_PREDICATE'
  readonly predicate: string
  constructor(predicate: string) {
    super(UnknownPredicateError.code, `unknown procedure ${predicate}`)
    this.predicate = predicate
  }
}

/** A clause, term or directive that is not acceptable (head not callable, bad directive, term too large). */
export class InvalidClauseError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_CLAUSE'
  constructor(message: string) {
    super(InvalidClauseError.code, message)
  }
}

/** A tabled predicate that depends on itself through negation or an aggregate: no stratified meaning. */
export class UnstratifiedError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_UNSTRATIFIED'
  /** The dependency cycle, e.g. `win/1 -> \+ win/1`. */
  readonly cycle: string
  constructor(cycle: string) {
    super(UnstratifiedError.code, `negation through recursion is not stratified: ${cycle}`)
    this.cycle = cycle
  }
}

/** A block that is not a well-formed TensorLogic rule, fact or knowledge-base block. */
export class InvalidRuleBlockError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_RULE_BLOCK'
  constructor(cid: string, problem: string, options?: { cause?: unknown }) {
    super(InvalidRuleBlockError.code, `block ${cid} is not a TensorLogic block: ${problem}`, options)
  }
}

/** A rule or knowledge-base block that is not in the blockstore (and could not be fetched). */
export class RuleNotFoundError extends IpfrsError {
  static override readonly httpStatus = 404
  static readonly code = 'ERR_RULE_NOT_FOUND'
  constructor(cid: string, options?: { cause?: unknown }) {
    super(RuleNotFoundError.code, `block ${cid} not found`, options)
  }
}
