import { IpfrsError } from '@ipfrs/core'

/**
 * A record that fails validation (bad CID, no provider, non-positive TTL). Bad vectors throw the package's
 * `InvalidVectorError` / `DimensionMismatchError` from errors.ts.
 */
export class InvalidRecordError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_SEMANTIC_INVALID_RECORD'
  constructor(problem: string, options?: { cause?: unknown }) {
    super(InvalidRecordError.code, `invalid semantic record: ${problem}`, options)
  }
}

/** A wire message larger than the configured maximum, sent or received. */
export class MessageTooLargeError extends IpfrsError {
  static override readonly httpStatus = 413
  static readonly code = 'ERR_SEMANTIC_MESSAGE_TOO_LARGE'
  readonly limit: number
  constructor(limit: number, size?: number, options?: { cause?: unknown }) {
    super(
      MessageTooLargeError.code,
      `semantic DHT message ${size === undefined ? 'exceeds' : `of ${size} bytes exceeds`} the ${limit}-byte limit`,
      options,
    )
    this.limit = limit
  }
}

/** Bytes from a peer that do not decode as a semantic DHT message, or a message of the wrong shape. */
export class BadMessageError extends IpfrsError {
  static override readonly httpStatus = 502
  static readonly code = 'ERR_SEMANTIC_BAD_MESSAGE'
  constructor(problem: string, options?: { cause?: unknown }) {
    super(BadMessageError.code, `bad semantic DHT message: ${problem}`, options)
  }
}

/** A peer that did not answer within the per-request timeout. */
export class PeerTimeoutError extends IpfrsError {
  static override readonly httpStatus = 504
  static readonly code = 'ERR_SEMANTIC_PEER_TIMEOUT'
  readonly peer: string
  constructor(peer: string, ms: number, options?: { cause?: unknown }) {
    super(PeerTimeoutError.code, `peer ${peer} did not answer within ${ms} ms`, options)
    this.peer = peer
  }
}

/** A peer that is remembered as bad (it sent garbage) and is not talked to until its ban expires. */
export class BadPeerError extends IpfrsError {
  static override readonly httpStatus = 502
  static readonly code = 'ERR_SEMANTIC_BAD_PEER'
  readonly peer: string
  constructor(peer: string) {
    super(BadPeerError.code, `peer ${peer} is remembered as bad`)
    this.peer = peer
  }
}

/** A peer that answered with an error message, or could not be reached on the semantic protocol. */
export class PeerRequestError extends IpfrsError {
  static override readonly httpStatus = 502
  static readonly code = 'ERR_SEMANTIC_PEER_REQUEST'
  readonly peer: string
  /** The code the peer answered with, when it answered `err` (e.g. `ERR_SEMANTIC_RECORD_REFUSED`). */
  readonly remoteCode: string | undefined
  constructor(peer: string, problem: string, options?: { cause?: unknown; remoteCode?: string }) {
    super(PeerRequestError.code, `request to ${peer} failed: ${problem}`, options)
    this.peer = peer
    this.remoteCode = options?.remoteCode
  }
}

/** Why an LSH record was refused (the metrics count refusals under these names). */
export type RefusalReason = 'malformed' | 'dimension' | 'oversized' | 'expired' | 'key' | 'signature'

/**
 * An LSH record a holder refuses: malformed, of the wrong dimension, oversized, outside its lifetime, filed under a
 * key its embedding does not hash to, or not signed by its provider.
 */
export class RecordRefusedError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_SEMANTIC_RECORD_REFUSED'
  readonly reason: RefusalReason
  constructor(reason: RefusalReason, problem: string, options?: { cause?: unknown }) {
    super(RecordRefusedError.code, `semantic record refused (${reason}): ${problem}`, options)
    this.reason = reason
  }
}
