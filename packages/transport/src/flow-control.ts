/**
 * Credit-based flow control of TensorSwap. The receiver grants the sender a number of chunks it may send; each chunk
 * sent spends one credit; the receiver grants more only as it persists chunks. So at most `window` chunks are in
 * flight or buffered per stream, and memory stays bounded by `window × chunkSize` whatever the peer does.
 */
import type { Stream } from '@libp2p/interface'
import { CreditExceededError, TensorSwapProtocolError } from './swap-errors.js'

/** Default chunks granted per stream. */
export const DEFAULT_CREDIT = 16
/** Most credit a sender accepts to hold at once; a receiver granting more is misbehaving. */
export const MAX_CREDIT = 4096
/** Default bound on the bytes one stream may have in flight (credit is lowered to fit it). */
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024

/** The credit window for a stream: `credit` chunks, but no more than `maxInFlightBytes` worth of `chunkSize`. */
export function creditWindow(
  chunkSize: number,
  credit = DEFAULT_CREDIT,
  maxInFlightBytes = DEFAULT_MAX_IN_FLIGHT_BYTES,
) {
  const byBytes = Math.floor(maxInFlightBytes / Math.max(1, chunkSize))
  return Math.max(1, Math.min(credit, byBytes, MAX_CREDIT))
}

/**
 * The receiver's side: how much credit is outstanding, and when to grant more. Grants are batched (once a quarter of
 * the window has been consumed) so CREDIT frames stay few.
 */
export class ReceiverCredit {
  readonly window: number
  /** Chunks the sender may still send without a new grant. */
  outstanding: number
  /** Chunks consumed since the last grant. */
  #consumed = 0

  constructor(window: number) {
    this.window = window
    this.outstanding = window
  }

  /** Accounts one arriving chunk; a chunk beyond the granted credit is a violation (`ERR_CREDIT_EXCEEDED`). */
  onChunk(): void {
    if (this.outstanding <= 0) throw new CreditExceededError(`chunk sent with no credit left (window ${this.window})`)
    this.outstanding--
  }

  /** Marks one chunk as persisted; returns how much credit to grant now (0: wait for more). */
  consumed(): number {
    this.#consumed++
    if (this.#consumed < Math.max(1, Math.floor(this.window / 4))) return 0
    const grant = this.#consumed
    this.#consumed = 0
    this.outstanding += grant
    return grant
  }
}

/** The sender's side: spends credit per chunk; `wait()` resolves when credit arrives (or the sender is stopped). */
export class SenderCredit {
  available: number
  /** Most chunks ever in flight (sent, their credit not yet returned), for tests and stats. */
  maxInFlight = 0
  /** The most credit ever held at once: the receiver's window. */
  #peak: number
  #waiter: (() => void) | undefined

  constructor(initial: number) {
    if (initial > MAX_CREDIT) throw new TensorSwapProtocolError(`initial credit ${initial} exceeds ${MAX_CREDIT}`)
    this.available = initial
    this.#peak = initial
  }

  /** Adds credit from a CREDIT frame; holding more than MAX_CREDIT at once is a protocol violation. */
  grant(n: number): void {
    if (this.available + n > MAX_CREDIT)
      throw new TensorSwapProtocolError(`credit ${this.available + n} exceeds ${MAX_CREDIT}`)
    this.available += n
    if (this.available > this.#peak) this.#peak = this.available
    this.wake()
  }

  /** Spends one credit (the caller checked `available > 0`). */
  take(): void {
    if (this.available <= 0) throw new CreditExceededError('sender tried to send without credit')
    this.available--
    // chunks sent whose credit has not come back yet
    const inFlight = this.#peak - this.available
    if (inFlight > this.maxInFlight) this.maxInFlight = inFlight
  }

  /** Resolves at the next grant or `wake()`. */
  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiter = resolve
    })
  }

  /** Wakes a pending `wait()` (new wants, cancellation, or shutdown). */
  wake(): void {
    const w = this.#waiter
    this.#waiter = undefined
    w?.()
  }
}

/**
 * A stream's incoming bytes as an async iterable that enforces a bound as bytes arrive and at every read: when the bytes received but
 * not yet read exceed `limit()`, the peer sent more than the credit it was given, and reading fails with
 * `ERR_CREDIT_EXCEEDED` at once (however fast the receiver consumes). This is what keeps a receiver's memory bounded
 * against a sender that ignores credit; libp2p's own stream iterator buffers without limit.
 */
export class BoundedSource implements AsyncIterable<Uint8Array> {
  /** Bytes received and not yet read. */
  buffered = 0
  /** The most bytes ever waiting unread. */
  maxBuffered = 0
  readonly #queue: Uint8Array[] = []
  readonly #limit: () => number
  #ended = false
  #error: Error | undefined
  #violation: Error | undefined
  #wake: (() => void) | undefined

  constructor(stream: Pick<Stream, 'addEventListener'>, limit: () => number) {
    this.#limit = limit
    stream.addEventListener('message', (evt) => {
      // a Uint8ArrayList is queued part by part: `.subarray()` would copy every byte once more (FrameReader copies
      // each frame at most once anyway)
      if (evt.data instanceof Uint8Array) this.#queue.push(evt.data)
      else for (const part of evt.data) this.#queue.push(part)
      this.buffered += evt.data.byteLength
      if (this.buffered > this.maxBuffered) this.maxBuffered = this.buffered
      this.#check()
      this.#notify()
    })
    stream.addEventListener('close', (evt) => {
      this.#ended = true
      this.#error ??= evt.error
      this.#notify()
    })
    stream.addEventListener('remoteCloseWrite', () => {
      this.#ended = true
      this.#notify()
    })
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      // checked again at every read, not only as bytes arrive: the limit can shrink in between (a burst that came
      // while the header was still unread was within that moment's limit, but not within the credit granted since)
      this.#check()
      if (this.#violation !== undefined) throw this.#violation
      const next = this.#queue.shift()
      if (next !== undefined) {
        this.buffered -= next.byteLength
        yield next
        continue
      }
      if (this.#error !== undefined) throw this.#error
      if (this.#ended) return
      await new Promise<void>((resolve) => {
        this.#wake = resolve
      })
    }
  }

  /** Records a violation when more bytes wait unread than the current limit allows. */
  #check(): void {
    if (this.#violation !== undefined) return
    const limit = this.#limit()
    if (this.buffered > limit)
      this.#violation = new CreditExceededError(`${this.buffered} bytes arrived unread, credit allows ${limit}`)
  }

  #notify(): void {
    const w = this.#wake
    this.#wake = undefined
    w?.()
  }
}
