/**
 * Error classes of @ipfrs/transport's tensor store, manifests and safetensors support. Each is an IpfrsError with a
 * stable `code`. Hash mismatches reuse core's `BlockHashMismatchError` (`ERR_BLOCK_HASH_MISMATCH`).
 */
import { BlockNotFoundError, IpfrsError } from '@ipfrs/core'

/** A block (manifest or chunk) that the blockstore does not hold: core's `BlockNotFoundError` (`ERR_BLOCK_NOT_FOUND`). */
export const TensorBlockNotFoundError = BlockNotFoundError
export type TensorBlockNotFoundError = BlockNotFoundError

/** A tensor or model manifest that does not decode or is inconsistent (`field` names what is wrong). */
export class InvalidManifestError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_MANIFEST'
  readonly field: string
  constructor(field: string, problem: string, options?: { cause?: unknown }) {
    super(InvalidManifestError.code, `invalid manifest ${field}: ${problem}`, options)
    this.field = field
  }
}

/** A safetensors file that breaks the format (header length, JSON, dtype, offsets, sizes). */
export class InvalidSafetensorsError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_SAFETENSORS'
  constructor(problem: string, options?: { cause?: unknown }) {
    super(InvalidSafetensorsError.code, `invalid safetensors: ${problem}`, options)
  }
}

/** A value the tensor store cannot store (not a typed array / Arrow Table or Vector, bad shape or chunk size). */
export class InvalidTensorInputError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_TENSOR_INPUT'
  constructor(problem: string) {
    super(InvalidTensorInputError.code, `invalid tensor input: ${problem}`)
  }
}

/** A manifest whose encoding is not what the caller asked for (e.g. getTensor on an opaque 'bytes' blob). */
export class WrongEncodingError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_WRONG_ENCODING'
  constructor(cid: string, encoding: string, wanted: string) {
    super(WrongEncodingError.code, `manifest ${cid} has encoding '${encoding}', expected ${wanted}`)
  }
}
