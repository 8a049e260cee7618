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

/** A GGUF file that breaks the format (magic, version, counts, strings, ggml types, offsets, truncation). */
export class InvalidGgufError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_GGUF'
  constructor(problem: string, options?: { cause?: unknown }) {
    super(InvalidGgufError.code, `invalid gguf: ${problem}`, options)
  }
}

/** A file CID whose content is neither a safetensors nor a GGUF model. */
export class NotAModelError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_NOT_A_MODEL'
  constructor(cid: string, why: string, options?: { cause?: unknown }) {
    super(NotAModelError.code, `${cid} is not a safetensors or GGUF model: ${why}`, options)
  }
}

/** A UnixFS file DAG this package cannot map to byte ranges (leaves of different sizes, e.g. a rabin chunker). */
export class UnsupportedFileLayoutError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_UNSUPPORTED_FILE_LAYOUT'
  constructor(cid: string, why: string) {
    super(UnsupportedFileLayoutError.code, `file ${cid}: ${why}`)
  }
}

/** A tensor name a model does not have. */
export class TensorNotFoundError extends IpfrsError {
  static override readonly httpStatus = 404
  static readonly code = 'ERR_TENSOR_NOT_FOUND'
  constructor(model: string, name: string) {
    super(TensorNotFoundError.code, `model ${model} has no tensor "${name}"`)
  }
}
