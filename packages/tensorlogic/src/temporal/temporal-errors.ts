/** Errors of the temporal pattern matcher; each an `IpfrsError` with a stable `code`. */
import { IpfrsError } from '@ipfrs/core'
import type { Match } from './temporal-pattern.js'

/** A pattern (text or builder) that is malformed; `position` is the character offset in the text form, if any. */
export class InvalidPatternError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_PATTERN'
  readonly position: number | undefined
  constructor(problem: string, position?: number) {
    super(InvalidPatternError.code, `invalid pattern: ${problem}${position === undefined ? '' : ` at ${position}`}`)
    this.position = position
  }
}

/** An event without a string `type`, a finite `time` or an object `attrs`. */
export class InvalidEventError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_EVENT'
  constructor(problem: string) {
    super(InvalidEventError.code, `invalid event: ${problem}`)
  }
}

/** An event older than one already processed (or older than the reorder buffer's horizon). */
export class OutOfOrderEventError extends IpfrsError {
  static override readonly httpStatus = 409
  static readonly code = 'ERR_OUT_OF_ORDER_EVENT'
  readonly time: number
  readonly horizon: number
  constructor(time: number, horizon: number) {
    super(OutOfOrderEventError.code, `event at ${time} arrived after events up to ${horizon} were processed`)
    this.time = time
    this.horizon = horizon
  }
}

/**
 * More partial matches than `maxPartialMatches`. The matcher has already dropped the oldest partials to get back
 * under the cap and stays usable; `matches` holds what the triggering event completed, so nothing is lost.
 */
export class PartialMatchLimitError extends IpfrsError {
  static override readonly httpStatus = 413
  static readonly code = 'ERR_PARTIAL_MATCH_LIMIT'
  readonly dropped: number
  readonly matches: readonly Match[]
  constructor(limit: number, dropped: number, matches: readonly Match[]) {
    super(PartialMatchLimitError.code, `more than ${limit} partial matches; dropped the ${dropped} oldest`)
    this.dropped = dropped
    this.matches = matches
  }
}
