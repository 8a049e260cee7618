import { InvalidConfigError, IpfrsError, NotStartedError } from '@ipfrs/core/errors'

/** Shared with the RPC API and the CLI, defined once in @ipfrs/core. */
export { UnsafePathError } from '@ipfrs/core/errors'

/** An operation on a node that is not started (or already stopped): core's `NotStartedError` (`ERR_NOT_STARTED`). */
export const NodeNotStartedError = NotStartedError
export type NodeNotStartedError = NotStartedError

/** `node.semantic` (or `SemanticLayer.open`) when the config's `Semantic.Enabled` is not true. */
export function semanticDisabledError(): InvalidConfigError {
  return new InvalidConfigError('Semantic.Enabled', 'the semantic index is disabled')
}

/** A path inside a DAG that does not exist: the class is core's, shared with the gateway. */
export { PathNotFoundError } from '@ipfrs/core/errors'

/** `cat` of something that is not a file (a directory, say). */
export class NotAFileError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_NOT_A_FILE'
  constructor(path: string, type: string) {
    super(NotAFileError.code, `${path} is a ${type}, not a file`)
  }
}

/** A DAG that is not UnixFS where UnixFS was expected. */
export class NotUnixFsError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_NOT_UNIXFS'
  constructor(path: string, options?: { cause?: unknown }) {
    super(NotUnixFsError.code, `${path} is not UnixFS data`, options)
  }
}

/** `block put` of more bytes than peers accept for one block. */
export class BlockTooLargeError extends IpfrsError {
  static override readonly httpStatus = 413
  static readonly code = 'ERR_BLOCK_TOO_LARGE'
  constructor(size: number, limit: number) {
    super(BlockTooLargeError.code, `block of ${size} bytes exceeds the ${limit}-byte limit (use --allow-big-block)`)
  }
}

/** A CAR file that is malformed or holds a block whose bytes do not match its CID. */
export class InvalidCarError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_CAR'
  constructor(problem: string, options?: { cause?: unknown }) {
    super(InvalidCarError.code, `invalid CAR: ${problem}`, options)
  }
}

/** `add` of a directory without `-r`. */
export class IsDirectoryError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_IS_DIRECTORY'
  constructor(path: string) {
    super(IsDirectoryError.code, `${path} is a directory (use -r to add directories)`)
  }
}
