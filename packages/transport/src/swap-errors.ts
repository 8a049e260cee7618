/**
 * Error classes of TensorSwap (`/ipfrs/tensorswap/1.0.0`). Each is an IpfrsError with a stable `code`. A peer that
 * causes one of the protocol errors is dropped (its stream reset and its connection closed). Chunk bytes that do
 * not hash to their CID raise core's `BlockHashMismatchError` (`ERR_BLOCK_HASH_MISMATCH`).
 */
import { IpfrsError, isIpfrsError } from '@ipfrs/core'

/** The peer broke the TensorSwap protocol: malformed frame or header, lying lengths, wrong frame order. */
export class TensorSwapProtocolError extends IpfrsError {
  static override readonly httpStatus = 502
  static readonly code = 'ERR_TENSORSWAP_PROTOCOL'
  constructor(problem: string, options?: { cause?: unknown }) {
    super(TensorSwapProtocolError.code, `tensorswap protocol violation: ${problem}`, options)
  }
}

/** A frame whose declared length exceeds what the reader accepts at that point of the exchange. */
export class FrameTooLargeError extends IpfrsError {
  static override readonly httpStatus = 502
  static readonly code = 'ERR_FRAME_TOO_LARGE'
  readonly length: number
  readonly limit: number
  constructor(length: number, limit: number) {
    super(FrameTooLargeError.code, `frame of ${length} bytes exceeds the limit of ${limit} bytes`)
    this.length = length
    this.limit = limit
  }
}

/** The sender sent a chunk although the receiver had granted it no credit. */
export class CreditExceededError extends IpfrsError {
  static override readonly httpStatus = 502
  static readonly code = 'ERR_CREDIT_EXCEEDED'
  constructor(problem: string) {
    super(CreditExceededError.code, `tensorswap credit exceeded: ${problem}`)
  }
}

/** The sender sent a chunk that was never requested on this stream (or already delivered). */
export class UnsolicitedChunkError extends IpfrsError {
  static override readonly httpStatus = 502
  static readonly code = 'ERR_UNSOLICITED_CHUNK'
  readonly index: number
  constructor(index: number) {
    super(UnsolicitedChunkError.code, `tensorswap chunk ${index} was not requested`)
    this.index = index
  }
}

/** The remote side answered with an ERROR frame (e.g. it does not have the manifest); `remoteCode` is its code. */
export class TensorSwapRemoteError extends IpfrsError {
  static override readonly httpStatus = 502
  static readonly code = 'ERR_TENSORSWAP_REMOTE'
  readonly remoteCode: string
  constructor(remoteCode: string, message: string) {
    super(TensorSwapRemoteError.code, `tensorswap peer refused: ${remoteCode}: ${message}`)
    this.remoteCode = remoteCode
  }
}

/** A provider stopped delivering: no chunk arrived for `stallTimeoutMs` while chunks were outstanding. */
export class TensorSwapStallError extends IpfrsError {
  static override readonly httpStatus = 504
  static readonly code = 'ERR_TENSORSWAP_STALLED'
  constructor(peer: string, ms: number) {
    super(TensorSwapStallError.code, `tensorswap peer ${peer} delivered nothing for ${ms} ms`)
  }
}

/** Every provider failed (or none was given) before all chunks arrived; `errors` holds each provider's failure. */
export class NoProvidersError extends IpfrsError {
  static override readonly httpStatus = 502
  static readonly code = 'ERR_TENSORSWAP_NO_PROVIDERS'
  readonly errors: readonly unknown[]
  /** Chunks still missing, or 'manifest' when not even the manifest could be had. */
  readonly missing: number | 'manifest'
  constructor(cid: string, missing: number | 'manifest', errors: readonly unknown[]) {
    const first = errors[0] instanceof Error ? `: ${errors[0].message}` : ''
    const what = missing === 'manifest' ? 'the manifest' : `${missing} chunk(s)`
    super(NoProvidersError.code, `no provider could deliver ${what} of ${cid}${first}`, {
      cause: errors[0],
    })
    this.errors = errors
    this.missing = missing
  }
}

/** Some chunks are held by none of the live providers (each answered DONT_HAVE for them). */
export class ChunksUnavailableError extends IpfrsError {
  static override readonly httpStatus = 404
  static readonly code = 'ERR_TENSORSWAP_UNAVAILABLE'
  readonly indexes: readonly number[]
  constructor(cid: string, indexes: readonly number[]) {
    super(ChunksUnavailableError.code, `no provider has chunk(s) ${indexes.slice(0, 8).join(', ')} of ${cid}`)
    this.indexes = indexes
  }
}

/** A priority list or byte range names a chunk or byte the manifest does not have (a caller error). */
export class InvalidPriorityError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_PRIORITY'
  constructor(value: number, count: number) {
    super(InvalidPriorityError.code, `priority ${value} is outside 0..${count - 1}`)
  }
}

/** A provider that cannot be used: a string without a Network to resolve it, or an unknown peer. */
export class InvalidProviderError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_PROVIDER'
  constructor(provider: string, problem: string, options?: { cause?: unknown }) {
    super(InvalidProviderError.code, `invalid provider ${provider}: ${problem}`, options)
  }
}

/** The stream or connection to a provider closed while chunks were still outstanding. */
export class StreamClosedError extends IpfrsError {
  static override readonly httpStatus = 502
  static readonly code = 'ERR_TENSORSWAP_CLOSED'
  constructor(peer: string, outstanding: number, options?: { cause?: unknown }) {
    super(
      StreamClosedError.code,
      `tensorswap stream to ${peer} closed with ${outstanding} chunk(s) outstanding`,
      options,
    )
  }
}

const PEER_FAULTS: ReadonlySet<string> = new Set([
  TensorSwapProtocolError.code,
  FrameTooLargeError.code,
  CreditExceededError.code,
  UnsolicitedChunkError.code,
  'ERR_BLOCK_HASH_MISMATCH',
])

/** Whether `err` means the remote peer misbehaved (so it must be dropped), as opposed to a local or network failure. */
export function isPeerFault(err: unknown): boolean {
  return isIpfrsError(err) && PEER_FAULTS.has(err.code)
}
