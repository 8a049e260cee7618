import { IpfrsError } from '@ipfrs/core/errors'

/** An MFS path that is not absolute, has `.`/`..` segments (which would escape MFS) or empty names. */
export class InvalidMfsPathError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_MFS_PATH'
  constructor(path: string, why: string) {
    super(InvalidMfsPathError.code, `invalid MFS path "${path.slice(0, 200)}": ${why}`)
  }
}

/** An MFS path with nothing at it. */
export class MfsNotFoundError extends IpfrsError {
  static override readonly httpStatus = 404
  static readonly code = 'ERR_MFS_NOT_FOUND'
  constructor(path: string, options?: { cause?: unknown }) {
    super(MfsNotFoundError.code, `file does not exist: ${path}`, options)
  }
}

/** An MFS operation that needs a directory (or a file) and found the other kind, or a name that is taken. */
export class MfsConflictError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_MFS_CONFLICT'
  constructor(message: string) {
    super(MfsConflictError.code, message)
  }
}
