/**
 * TensorSwap frames on a stream: a {@link FrameReader} that buffers a source into frames (refusing a declared length
 * above its limit before buffering the body), and {@link sendFrame}, which writes one frame and honours backpressure.
 * The wire format itself is in `frames.ts`.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { decodeFrame, encodeFrame, type Frame, MAX_CONTROL_FRAME_SIZE, MAX_FRAME_SIZE } from './frames.js'
import { FrameTooLargeError, TensorSwapProtocolError } from './swap-errors.js'

/** What a libp2p 3 stream yields: a Uint8Array or a Uint8ArrayList (which has `subarray()`). */
export type StreamData = Uint8Array | { subarray(): Uint8Array; byteLength: number }

/**
 * Reads frames from a byte source. `maxFrameSize` may be changed between frames (e.g. raised to chunkSize + overhead
 * once the header is known); a declared length above it throws `FrameTooLargeError` before the body is buffered.
 */
export class FrameReader {
  maxFrameSize: number
  /** Total bytes read from the source, prefixes included. */
  bytesRead = 0
  readonly #source: AsyncIterator<StreamData>
  #parts: Uint8Array[] = []
  #buffered = 0
  #ended = false

  constructor(source: AsyncIterable<StreamData>, maxFrameSize = MAX_CONTROL_FRAME_SIZE) {
    this.#source = source[Symbol.asyncIterator]()
    this.maxFrameSize = maxFrameSize
  }

  /** Bytes pulled from the source and not yet returned as frames. */
  get buffered(): number {
    return this.#buffered
  }

  /** The next frame, or undefined when the source ends cleanly between frames. */
  async next(): Promise<Frame | undefined> {
    let length: number | undefined
    let prefixLength = 0
    for (;;) {
      if (length === undefined) {
        const parsed = this.#peekVarint()
        if (parsed !== undefined) {
          ;[length, prefixLength] = parsed
          const limit = Math.min(this.maxFrameSize, MAX_FRAME_SIZE)
          if (length > limit) throw new FrameTooLargeError(length, limit)
          if (length === 0) throw new TensorSwapProtocolError('empty frame')
        }
      }
      if (length !== undefined && this.#buffered >= prefixLength + length) {
        const body = this.#take(prefixLength, length)
        return decodeFrame(body)
      }
      if (!(await this.#pull())) {
        if (this.#buffered === 0) return undefined
        throw new TensorSwapProtocolError('stream ended inside a frame')
      }
    }
  }

  /** Stops reading (releases the source iterator). */
  async close(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true
      await this.#source.return?.()
    }
  }

  async #pull(): Promise<boolean> {
    if (this.#ended) return false
    const r = await this.#source.next()
    if (r.done === true) {
      this.#ended = true
      return false
    }
    const data = r.value instanceof Uint8Array ? r.value : r.value.subarray()
    if (data.byteLength > 0) {
      this.#parts.push(data)
      this.#buffered += data.byteLength
      this.bytesRead += data.byteLength
    }
    return true
  }

  #peekVarint(): [number, number] | undefined {
    let n = 0
    let mul = 1
    let i = 0
    for (const part of this.#parts) {
      for (const b of part) {
        n += (b & 0x7f) * mul
        i++
        if ((b & 0x80) === 0) return [n, i]
        if (i >= 8) throw new TensorSwapProtocolError('frame length varint longer than 8 bytes')
        mul *= 0x80
      }
    }
    return undefined
  }

  /** Removes `skip + length` bytes from the buffer and returns the last `length` (one copy at most). */
  #take(skip: number, length: number): Uint8Array {
    const total = skip + length
    const first = this.#parts[0] as Uint8Array
    let out: Uint8Array
    if (first.byteLength >= total) {
      out = first.subarray(skip, total)
    } else {
      out = new Uint8Array(length)
      let need = total
      let written = 0
      let toSkip = skip
      for (const part of this.#parts) {
        if (need === 0) break
        const take = Math.min(part.byteLength, need)
        const from = Math.min(toSkip, take)
        out.set(part.subarray(from, take), written)
        written += take - from
        toSkip -= from
        need -= take
      }
    }
    // drop consumed parts
    let remaining = total
    while (remaining > 0) {
      const part = this.#parts[0] as Uint8Array
      if (part.byteLength <= remaining) {
        this.#parts.shift()
        remaining -= part.byteLength
      } else {
        this.#parts[0] = part.subarray(remaining)
        remaining = 0
      }
    }
    this.#buffered -= total
    return out
  }
}

/** The part of a libp2p stream frames are written to. */
export interface FrameSink {
  send(data: Uint8Array | Uint8ArrayList): boolean
  onDrain(options?: { signal?: AbortSignal }): Promise<void>
}

/**
 * Writes one frame; waits for the stream to drain when its buffer is full. Returns the bytes written. A frame's parts
 * (a CHUNK's few header bytes and its payload) go in one `send`, so the muxer frames them together: sent apart, the
 * header was a muxer frame, an encrypted message and two socket writes of its own on each chunk.
 */
export async function sendFrame(
  stream: FrameSink,
  frame: Frame,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const parts = encodeFrame(frame)
  const data = parts.length === 1 ? (parts[0] as Uint8Array) : new Uint8ArrayList(...parts)
  if (!stream.send(data)) await stream.onDrain(options)
  return data.byteLength
}
