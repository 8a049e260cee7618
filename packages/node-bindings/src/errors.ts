import { InvalidParameterError, IpfrsError } from '@ipfrs/core'

/** Shared with the other packages, defined once in @ipfrs/core (`ERR_NOT_STARTED`). */
export { NotStartedError } from '@ipfrs/core'
/** A call got an argument of the wrong type or shape: core's `InvalidParameterError` (`ERR_INVALID_PARAMETER`). */
export const InvalidArgumentError = InvalidParameterError
export type InvalidArgumentError = InvalidParameterError

/** An exported semantic-index file is not in the format `saveSemanticIndex(path)` writes (`ERR_INVALID_INDEX_FILE`). */
export class InvalidIndexFileError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_INDEX_FILE'
  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(InvalidIndexFileError.code, `invalid semantic index file ${path}: ${problem}`, options)
  }
}
