/**
 * One TensorSwap stream to one provider, from the receiving side. It sends the REQUEST, reads the (optional)
 * MANIFEST and the HEADER and checks both against the manifest CID, then verifies every CHUNK before handing it on:
 * within credit, requested on this stream, exactly the length the manifest gives, hashing to the manifest's chunk
 * CID. Any violation drops the peer (stream reset, connection closed) and nothing of it reaches the blockstore.
 */
import { BlockHashMismatchError, verifyOffThread } from '@ipfrs/core'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { BoundedSource, creditWindow, ReceiverCredit } from './flow-control.js'
import { FrameReader, sendFrame } from './frame-stream.js'
import {
  CHUNK_FRAME_OVERHEAD,
  FLAG_SEND_MANIFEST,
  type Frame,
  FrameType,
  type HeaderFrame,
  MAX_CONTROL_FRAME_SIZE,
  TENSORSWAP_PROTOCOL,
} from './frames.js'
import type { TensorManifest } from './manifest.js'
import { chunkRange, decodeManifest } from './manifest-codec.js'
import {
  CreditExceededError,
  isPeerFault,
  StreamClosedError,
  TensorSwapProtocolError,
  TensorSwapRemoteError,
  TensorSwapStallError,
  UnsolicitedChunkError,
} from './swap-errors.js'

/** Where a session hands verified chunks and DONT_HAVE answers (the multi-provider scheduler). */
export interface SessionSink {
  /** A verified chunk; the session grants more credit once this resolves (i.e. once it is persisted). */
  deliver(session: ProviderSession, index: number, bytes: Uint8Array): Promise<void>
  /** The provider does not have these chunks. */
  dontHave(session: ProviderSession, indexes: number[]): void
}

/** A provider to fetch from: a PeerId or a Multiaddr (anything `libp2p.dial` accepts). */
export type ProviderTarget = Parameters<Libp2p['dial']>[0]

/** Options of one provider session. */
export interface ProviderSessionInit {
  libp2p: Pick<Libp2p, 'dial'>
  target: ProviderTarget
  cid: CID
  /** The verified manifest, when the caller already has it; else the session asks the provider for it. */
  manifest?: TensorManifest
  /** Chunks granted at a time (default 16; lowered so `credit × chunkSize ≤ maxInFlightBytes`). */
  credit?: number
  maxInFlightBytes?: number
  /** Fail the session when no frame arrives for this long while chunks are outstanding (default 30 s). */
  stallTimeoutMs?: number
  signal?: AbortSignal
}

/** One stream to one provider. `open()` does the handshake; `run(sink)` then receives chunks until `finish()`. */
export class ProviderSession {
  /** The provider's peer ID (known once connected). */
  peer = ''
  /** Chunks requested on this stream and not yet received, in the order they were requested. */
  readonly pending = new Set<number>()
  /** Chunks received and being verified (then delivered); a failed session's are fetched again elsewhere. */
  readonly verifying = new Set<number>()
  /** Chunks the provider said it does not have. */
  readonly lacks = new Set<number>()
  /**
   * Chunks cancelled here that may still arrive (they were in flight); accepted, not a violation. Counted: a chunk
   * wanted, cancelled, wanted and cancelled again (work stolen back and forth) may have been sent once per want.
   */
  readonly #cancelled = new Map<number, number>()
  /** Whether `open()` succeeded. */
  opened = false
  /** Chunks received and verified (each then handed to the sink). */
  chunksReceived = 0
  /** Chunk payload bytes received (verified or not). */
  bytesReceived = 0
  window = 0
  /** The manifest block as received (verified against the CID), when this session fetched it. */
  manifestBytes: Uint8Array | undefined
  readonly #init: ProviderSessionInit
  #manifest: TensorManifest | undefined
  #stream: Stream | undefined
  #connection: Connection | undefined
  #reader: FrameReader | undefined
  #source: BoundedSource | undefined
  #credit: ReceiverCredit | undefined
  #closing = false
  #failure: unknown
  #stallTimer: ReturnType<typeof setTimeout> | undefined

  constructor(init: ProviderSessionInit) {
    this.#init = init
    this.#manifest = init.manifest
  }

  /** The provider this session fetches from (as given). */
  get target(): ProviderTarget {
    return this.#init.target
  }

  /** Why the session failed, if it did. */
  get error(): unknown {
    return this.#failure
  }

  /** Total bytes read from the stream (frame prefixes, manifest and header included). */
  get wireBytes(): number {
    return this.#reader?.bytesRead ?? 0
  }

  /** Dials, requests `wants`, reads and verifies MANIFEST/HEADER; resolves with the verified manifest. */
  async open(wants: readonly number[] = []): Promise<TensorManifest> {
    const { libp2p, target, cid, signal } = this.#init
    try {
      this.#connection = await libp2p.dial(target, { signal })
      this.peer = this.#connection.remotePeer.toString()
      this.#stream = await this.#connection.newStream(TENSORSWAP_PROTOCOL, { signal })
      // finish() came while this was dialling: the stream it could not close is reset (by #fail) here
      if (this.#closing) throw new StreamClosedError(this.peer, wants.length)
      this.#source = new BoundedSource(this.#stream, () => this.#bufferLimit())
      this.#reader = new FrameReader(this.#source, MAX_CONTROL_FRAME_SIZE)
      signal?.addEventListener('abort', this.#onAbort, { once: true })
      const known = this.#manifest
      this.window = known === undefined ? 0 : this.#windowOf(known)
      for (const i of wants) this.pending.add(i)
      await sendFrame(this.#stream, {
        type: FrameType.REQUEST,
        cid,
        flags: known === undefined ? FLAG_SEND_MANIFEST : 0,
        credit: this.window,
        wants: [...wants],
      })
      let frame = await this.#next()
      if (frame.type === FrameType.MANIFEST) {
        if (known !== undefined) throw new TensorSwapProtocolError('MANIFEST sent but not requested')
        this.#manifest = decodeManifest(frame.bytes, cid) // hash first, then every field
        this.manifestBytes = frame.bytes
        frame = await this.#next()
      }
      if (frame.type !== FrameType.HEADER) throw new TensorSwapProtocolError(`expected HEADER, got 0x${hex(frame)}`)
      const manifest = this.#manifest
      if (manifest === undefined) throw new TensorSwapProtocolError('HEADER before the requested MANIFEST')
      checkHeader(frame, cid, manifest)
      if (known === undefined) {
        this.window = this.#windowOf(manifest)
        await sendFrame(this.#stream, { type: FrameType.CREDIT, credit: this.window })
      }
      this.#credit = new ReceiverCredit(this.window)
      this.#reader.maxFrameSize =
        manifest.chunkSize + CHUNK_FRAME_OVERHEAD + (manifest.encoding === 'unixfs' ? LEAF_FRAMING : 0)
      this.opened = true
      return manifest
    } catch (err) {
      this.#fail(err)
      throw this.#failure
    }
  }

  /** Receives chunks until `finish()` (resolves) or a failure (rejects; the peer is dropped if it misbehaved). */
  async run(sink: SessionSink): Promise<void> {
    const manifest = this.#manifest
    const credit = this.#credit
    const stream = this.#stream
    if (manifest === undefined || credit === undefined || stream === undefined) throw new Error('session not open')
    const inflight = new Set<Promise<void>>()
    try {
      this.#armStall()
      for (;;) {
        const frame = await this.#reader?.next()
        if (frame === undefined) {
          await Promise.allSettled(inflight)
          if (this.#failure !== undefined) throw this.#failure
          if (this.#closing) return
          throw new StreamClosedError(this.peer, this.pending.size)
        }
        this.#armStall()
        if (frame.type === FrameType.DONT_HAVE) {
          const lacking = frame.indexes.filter((i) => this.pending.delete(i) || this.#takeCancelled(i))
          for (const i of lacking) this.lacks.add(i)
          if (lacking.length > 0) sink.dontHave(this, lacking)
          continue
        }
        if (frame.type !== FrameType.CHUNK) throw new TensorSwapProtocolError(`unexpected frame 0x${hex(frame)}`)
        credit.onChunk()
        const { index, bytes } = frame
        if (!this.pending.delete(index) && !this.#takeCancelled(index)) throw new UnsolicitedChunkError(index)
        this.bytesReceived += bytes.byteLength
        const { length } = chunkRange(manifest, index)
        // a 'unixfs' chunk is a file leaf: its data plus a few bytes of dag-pb framing (raw leaves: exactly the data)
        const slack = manifest.encoding === 'unixfs' ? LEAF_FRAMING : 0
        if (bytes.byteLength < length || bytes.byteLength > length + slack)
          throw new TensorSwapProtocolError(`chunk ${index} is ${bytes.byteLength} bytes, the manifest says ${length}`)
        // hashed on a worker thread while this one reads on; stored only once verified
        this.verifying.add(index)
        const task = this.#verifyAndDeliver(sink, manifest.chunks[index] as CID, index, bytes, credit, stream)
        inflight.add(task)
        task.then(
          () => inflight.delete(task),
          (err) => {
            inflight.delete(task)
            this.#fail(err)
          },
        )
        if (inflight.size >= MAX_VERIFYING) await Promise.race(inflight)
      }
    } catch (err) {
      if (this.#failure === undefined && this.#closing && !isPeerFault(err)) return // finish() raced a read
      this.#fail(err)
      throw this.#failure
    } finally {
      this.#clearStall()
      this.#init.signal?.removeEventListener('abort', this.#onAbort)
    }
  }

  /**
   * Checks a chunk's hash (off this thread when it pays), then hands it to the sink and grants credit back. A chunk
   * that fails the check stays in `verifying`, which the scheduler puts back in the queue when the session fails; a
   * good chunk is delivered even if the session failed meanwhile (the scheduler then drops it from the queue).
   */
  async #verifyAndDeliver(
    sink: SessionSink,
    cid: CID,
    index: number,
    received: Uint8Array,
    credit: ReceiverCredit,
    stream: Stream,
  ): Promise<void> {
    const { ok, bytes } = await verifyOffThread(cid, received)
    if (!ok) throw new BlockHashMismatchError(cid.toString())
    this.chunksReceived++ // counted with the delivery (a fetch's stats add up to stored chunks plus duplicates)
    await sink.deliver(this, index, bytes)
    this.verifying.delete(index)
    this.#checkBacklog()
    const grant = credit.consumed()
    if (grant > 0 && !this.#closing) await sendFrame(stream, { type: FrameType.CREDIT, credit: grant })
  }

  /** Asks for more chunks (appended after those already wanted). */
  want(indexes: readonly number[]): void {
    if (indexes.length === 0 || this.#stream === undefined || this.#closing) return
    for (const i of indexes) this.pending.add(i)
    this.#sendQuietly({ type: FrameType.WANT, indexes: [...indexes] })
  }

  /** Withdraws wanted chunks (e.g. given to a faster provider); those already in flight may still arrive. */
  cancel(indexes: readonly number[]): void {
    const gone = indexes.filter((i) => this.pending.delete(i))
    if (gone.length === 0 || this.#stream === undefined || this.#closing) return
    for (const i of gone) this.#cancelled.set(i, (this.#cancelled.get(i) ?? 0) + 1)
    this.#sendQuietly({ type: FrameType.CANCEL, indexes: gone })
  }

  /** Accounts a cancelled chunk that arrived anyway (or that the provider says it lacks); false if none was owed. */
  #takeCancelled(index: number): boolean {
    const n = this.#cancelled.get(index)
    if (n === undefined) return false
    if (n > 1) this.#cancelled.set(index, n - 1)
    else this.#cancelled.delete(index)
    return true
  }

  /** Ends the session cleanly: closes our side; the provider then closes its side. */
  async finish(): Promise<void> {
    if (this.#closing) return
    this.#closing = true
    this.#clearStall()
    await this.#stream?.close().catch(() => undefined)
  }

  /** Ends the session because of `err`; drops the connection when the peer misbehaved. */
  #fail(err: unknown): void {
    if (this.#failure !== undefined) return
    this.#failure = err
    this.#closing = true
    this.#clearStall()
    const error = err instanceof Error ? err : new Error(String(err))
    this.#stream?.abort(error)
    if (isPeerFault(err)) this.#connection?.abort(error)
  }

  readonly #onAbort = () => this.#fail(this.#init.signal?.reason ?? new Error('aborted'))

  async #next(): Promise<Frame> {
    const frame = await this.#reader?.next()
    if (frame === undefined) throw new StreamClosedError(this.peer, this.pending.size)
    if (frame.type === FrameType.ERROR) throw new TensorSwapRemoteError(frame.code, frame.message)
    return frame
  }

  /**
   * Unread bytes an honest provider can have caused: every chunk it may send under the credit not yet used (each at
   * most chunkSize plus framing), plus room for control frames. Before the header: one control frame.
   */
  #bufferLimit(): number {
    const slack = 1024 // DONT_HAVE frames: a few bytes per wanted chunk
    const m = this.#manifest
    if (m === undefined) return MAX_CONTROL_FRAME_SIZE + 64 * 1024
    const frame = m.chunkSize + CHUNK_FRAME_OVERHEAD + 8
    // before the header is read, the chunks of the REQUEST's credit may already be queued behind it
    if (this.#credit === undefined) return (this.window + 1) * frame + MAX_CONTROL_FRAME_SIZE + slack
    return (this.#credit.outstanding + 1) * frame + slack
  }

  /**
   * Before granting credit back: the bytes received and not yet parsed (in the source and in the frame reader) must
   * fit the credit still outstanding. A sender that sent ahead of a grant is caught here whatever the timing of its
   * bytes: an arrival-time check alone misses a burst that came while the limit was still the larger pre-header one.
   */
  #checkBacklog(): void {
    const unread = (this.#source?.buffered ?? 0) + (this.#reader?.buffered ?? 0)
    const limit = this.#bufferLimit()
    if (unread > limit) throw new CreditExceededError(`${unread} bytes arrived ahead of credit, it allows ${limit}`)
  }

  /** The most bytes that were ever waiting unread on this stream (bounded by the credit window). */
  get maxBuffered(): number {
    return this.#source?.maxBuffered ?? 0
  }

  #windowOf(manifest: TensorManifest): number {
    return creditWindow(manifest.chunkSize, this.#init.credit, this.#init.maxInFlightBytes)
  }

  #sendQuietly(frame: Frame): void {
    if (this.#stream === undefined) return
    sendFrame(this.#stream, frame).catch((err) => this.#fail(err))
  }

  #armStall(): void {
    this.#clearStall()
    const ms = this.#init.stallTimeoutMs ?? 30_000
    this.#stallTimer = setTimeout(() => {
      if (this.pending.size > 0) this.#fail(new TensorSwapStallError(this.peer, ms))
      else this.#armStall()
    }, ms)
  }

  #clearStall(): void {
    if (this.#stallTimer !== undefined) clearTimeout(this.#stallTimer)
    this.#stallTimer = undefined
  }
}

/** Chunks of one session being verified at once (each holds its bytes; the credit window bounds them too). */
const MAX_VERIFYING = 8

/** Most bytes of dag-pb and UnixFS framing around a file leaf's data. */
const LEAF_FRAMING = 64

/** A HEADER must describe exactly the manifest the client verified: any difference is a lie about the content. */
function checkHeader(h: HeaderFrame, cid: CID, m: TensorManifest): void {
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i])
  const problems: string[] = []
  if (!h.cid.equals(cid)) problems.push(`content CID ${h.cid}`)
  if (h.dtype !== m.dtype) problems.push(`dtype ${h.dtype}`)
  if (!same(h.shape, m.shape)) problems.push(`shape [${h.shape}]`)
  if (!same(h.strides, m.strides)) problems.push(`strides [${h.strides}]`)
  if (h.byteLength !== m.byteLength) problems.push(`byteLength ${h.byteLength}`)
  if (h.chunkSize !== m.chunkSize) problems.push(`chunkSize ${h.chunkSize}`)
  if (h.chunkCount !== m.chunks.length) problems.push(`chunkCount ${h.chunkCount}`)
  if (problems.length > 0)
    throw new TensorSwapProtocolError(`HEADER does not match the manifest: ${problems.join(', ')}`)
}

function hex(frame: Frame): string {
  return frame.type.toString(16)
}
