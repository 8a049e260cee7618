import { IpfrsError } from '@ipfrs/core'

/** Shared with other packages, defined once in @ipfrs/core. */
export { InvalidParameterError, NotStartedError } from '@ipfrs/core'

/** A vector whose length is not the index's dimension. */
export class DimensionMismatchError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_DIMENSION_MISMATCH'
  readonly expected: number
  readonly actual: number
  constructor(expected: number, actual: number) {
    super(DimensionMismatchError.code, `vector has dimension ${actual}, expected ${expected}`)
    this.expected = expected
    this.actual = actual
  }
}

/** A vector that is not a Float32Array, holds NaN or ±Infinity, or is all zeros where cosine needs a direction. */
export class InvalidVectorError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_VECTOR'
  constructor(problem: string) {
    super(InvalidVectorError.code, `invalid vector: ${problem}`)
  }
}

/** A snapshot or delta file that fails its checksum, has a bad header, or is truncated. Never loaded silently. */
export class CorruptSnapshotError extends IpfrsError {
  static override readonly httpStatus = 500
  static readonly code = 'ERR_CORRUPT_SNAPSHOT'
  readonly file: string
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(CorruptSnapshotError.code, `corrupt snapshot ${file}: ${problem}`, options)
    this.file = file
  }
}

/** A valid snapshot written for another dimension or metric than the index it is loaded into. */
export class SnapshotMismatchError extends IpfrsError {
  static override readonly httpStatus = 500
  static readonly code = 'ERR_SNAPSHOT_MISMATCH'
  constructor(file: string, problem: string) {
    super(SnapshotMismatchError.code, `snapshot ${file} does not fit this index: ${problem}`)
  }
}

/** A model-backed embedder whose runtime package or model files are not available on this machine. */
export class EmbedderUnavailableError extends IpfrsError {
  static override readonly httpStatus = 503
  static readonly code = 'ERR_EMBEDDER_UNAVAILABLE'
  constructor(problem: string, options?: { cause?: unknown }) {
    super(EmbedderUnavailableError.code, `embedder unavailable: ${problem}`, options)
  }
}

/** An index whose vectors another embedder made: mixing the two would rank nonsense, so the index is not used. */
export class EmbedderMismatchError extends IpfrsError {
  static override readonly httpStatus = 409
  static readonly code = 'ERR_EMBEDDER_MISMATCH'
  /** The embedder recorded with the index, and the one configured now. */
  readonly recorded: EmbedderRecord
  readonly configured: EmbedderRecord
  constructor(recorded: EmbedderRecord, configured: EmbedderRecord) {
    super(
      EmbedderMismatchError.code,
      `the semantic index was made by embedder ${recorded.id} (${recorded.dimension}-d) but ${configured.id} (${configured.dimension}-d) is configured; run \`ipfrs semantic reindex\` to re-embed the indexed files with it`,
    )
    this.recorded = recorded
    this.configured = configured
  }
}

/** Which embedder made an index's vectors (kept as embedder.json in the index's directory). */
export interface EmbedderRecord {
  readonly id: string
  readonly dimension: number
}
