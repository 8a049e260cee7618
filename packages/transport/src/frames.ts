/**
 * TensorSwap wire framing. Every frame is `varint(bodyLength) ‖ body`, and every body starts with a type byte. All
 * integers inside bodies are unsigned LEB128 varints (at most 8 bytes, safe integers). This file is the codec; reading
 * frames from a stream (with a maximum frame size enforced before a body is buffered, so a peer cannot make a reader
 * allocate more than it chose to accept) and writing them are in `frame-stream.ts`.
 *
 * client → server: REQUEST, WANT, CANCEL, CREDIT.  server → client: MANIFEST, HEADER, CHUNK, DONT_HAVE, ERROR.
 */
import { CID } from 'multiformats/cid'
import { TensorSwapProtocolError } from './swap-errors.js'

/** The protocol id (fixed: it is the interoperability contract). */
export const TENSORSWAP_PROTOCOL = '/ipfrs/tensorswap/1.0.0'
/** Hard maximum of any frame: the largest chunk (64 MiB) plus room for its header. */
export const MAX_FRAME_SIZE = 64 * 1024 * 1024 + 64
/** Maximum size of a control frame (everything but CHUNK): manifests, requests with many indexes. */
export const MAX_CONTROL_FRAME_SIZE = 16 * 1024 * 1024
/** Bytes a CHUNK frame adds to its payload at most: type byte + index varint. */
export const CHUNK_FRAME_OVERHEAD = 1 + 8

/** Frame type bytes. */
export const FrameType = {
  REQUEST: 0x01,
  WANT: 0x02,
  CANCEL: 0x03,
  CREDIT: 0x04,
  MANIFEST: 0x10,
  HEADER: 0x11,
  CHUNK: 0x12,
  DONT_HAVE: 0x13,
  ERROR: 0x14,
} as const

/** REQUEST flag: also send the manifest block (the client verifies it against the CID). */
export const FLAG_SEND_MANIFEST = 1

/** The opening frame of a client: what it wants, in priority order, and how many chunks it may be sent. */
export interface RequestFrame {
  type: typeof FrameType.REQUEST
  cid: CID
  flags: number
  credit: number
  wants: number[]
}
/** More chunk indexes wanted (appended to the queue), or indexes no longer wanted. */
export interface IndexesFrame {
  type: typeof FrameType.WANT | typeof FrameType.CANCEL | typeof FrameType.DONT_HAVE
  indexes: number[]
}
/** Additional credit: the sender may send `credit` more chunks. */
export interface CreditFrame {
  type: typeof FrameType.CREDIT
  credit: number
}
/** The manifest block's bytes. */
export interface ManifestFrame {
  type: typeof FrameType.MANIFEST
  bytes: Uint8Array
}
/** What the server is about to send chunks of. The client checks it against the manifest it verified. */
export interface HeaderFrame {
  type: typeof FrameType.HEADER
  cid: CID
  dtype: string
  shape: number[]
  strides: number[]
  byteLength: number
  chunkSize: number
  chunkCount: number
}
/** One chunk's bytes. */
export interface ChunkFrame {
  type: typeof FrameType.CHUNK
  index: number
  bytes: Uint8Array
}
/** The server refuses the request (e.g. `ERR_NOT_FOUND` for a manifest it does not have). */
export interface ErrorFrame {
  type: typeof FrameType.ERROR
  code: string
  message: string
}
/** Any TensorSwap frame. */
export type Frame = RequestFrame | IndexesFrame | CreditFrame | ManifestFrame | HeaderFrame | ChunkFrame | ErrorFrame

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Appends unsigned varints, strings and bytes to a growing buffer. */
class Writer {
  readonly parts: number[] = []
  byte(b: number): this {
    this.parts.push(b)
    return this
  }
  varint(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new TensorSwapProtocolError(`cannot encode ${n} as a varint`)
    while (n >= 0x80) {
      this.parts.push((n % 0x80) | 0x80)
      n = Math.floor(n / 0x80)
    }
    this.parts.push(n)
    return this
  }
  ints(values: readonly number[]): this {
    this.varint(values.length)
    for (const v of values) this.varint(v)
    return this
  }
  bytes(b: Uint8Array): this {
    this.varint(b.byteLength)
    for (const x of b) this.parts.push(x)
    return this
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts)
  }
}

/** Decodes the fields of one body; every read is bounds-checked and throws `ERR_TENSORSWAP_PROTOCOL`. */
class Reader {
  pos = 1
  constructor(readonly buf: Uint8Array) {}
  varint(): number {
    let n = 0
    let mul = 1
    for (let i = 0; i < 8; i++) {
      const b = this.buf[this.pos++]
      if (b === undefined) throw new TensorSwapProtocolError('truncated varint')
      n += (b & 0x7f) * mul
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(n)) throw new TensorSwapProtocolError('varint is not a safe integer')
        return n
      }
      mul *= 0x80
    }
    throw new TensorSwapProtocolError('varint longer than 8 bytes')
  }
  ints(): number[] {
    const n = this.varint()
    // each varint takes at least one byte: a count larger than what is left is a lie, refused before allocating
    if (n > this.buf.byteLength - this.pos) throw new TensorSwapProtocolError(`list of ${n} does not fit its frame`)
    const out = new Array<number>(n)
    for (let i = 0; i < n; i++) out[i] = this.varint()
    return out
  }
  bytes(): Uint8Array {
    const n = this.varint()
    if (n > this.buf.byteLength - this.pos) throw new TensorSwapProtocolError(`field of ${n} bytes overruns its frame`)
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }
  string(): string {
    try {
      return fromUtf8.decode(this.bytes())
    } catch (err) {
      if (err instanceof TensorSwapProtocolError) throw err
      throw new TensorSwapProtocolError('string is not UTF-8', { cause: err })
    }
  }
  cid(): CID {
    const b = this.bytes()
    try {
      return CID.decode(b)
    } catch (err) {
      throw new TensorSwapProtocolError('malformed CID', { cause: err })
    }
  }
  rest(): Uint8Array {
    const out = this.buf.subarray(this.pos)
    this.pos = this.buf.byteLength
    return out
  }
  end(): void {
    if (this.pos !== this.buf.byteLength) throw new TensorSwapProtocolError('trailing bytes after frame fields')
  }
}

/** Prefixes a body with its varint length. */
function framed(body: Uint8Array): Uint8Array {
  const prefix = new Writer().varint(body.byteLength).done()
  const out = new Uint8Array(prefix.byteLength + body.byteLength)
  out.set(prefix, 0)
  out.set(body, prefix.byteLength)
  return out
}

/**
 * Encodes a frame to bytes ready to send. CHUNK and MANIFEST frames come back as two parts (prefix, payload) so the
 * payload is never copied; every other frame is one part.
 */
export function encodeFrame(frame: Frame): Uint8Array[] {
  const w = new Writer().byte(frame.type)
  switch (frame.type) {
    case FrameType.REQUEST:
      w.bytes(frame.cid.bytes).varint(frame.flags).varint(frame.credit).ints(frame.wants)
      break
    case FrameType.WANT:
    case FrameType.CANCEL:
    case FrameType.DONT_HAVE:
      w.ints(frame.indexes)
      break
    case FrameType.CREDIT:
      w.varint(frame.credit)
      break
    case FrameType.HEADER:
      w.bytes(frame.cid.bytes).bytes(utf8.encode(frame.dtype)).ints(frame.shape).ints(frame.strides)
      w.varint(frame.byteLength).varint(frame.chunkSize).varint(frame.chunkCount)
      break
    case FrameType.ERROR:
      w.bytes(utf8.encode(frame.code)).bytes(utf8.encode(frame.message))
      break
    case FrameType.CHUNK:
    case FrameType.MANIFEST: {
      if (frame.type === FrameType.CHUNK) w.varint(frame.index)
      const head = w.done()
      const prefix = new Writer().varint(head.byteLength + frame.bytes.byteLength).done()
      const first = new Uint8Array(prefix.byteLength + head.byteLength)
      first.set(prefix, 0)
      first.set(head, prefix.byteLength)
      return [first, frame.bytes]
    }
  }
  return [framed(w.done())]
}

/** Decodes one frame body (without its length prefix). Unknown types and malformed fields: `ERR_TENSORSWAP_PROTOCOL`. */
export function decodeFrame(body: Uint8Array): Frame {
  const r = new Reader(body)
  const type = body[0]
  let frame: Frame
  switch (type) {
    case FrameType.REQUEST:
      frame = { type, cid: r.cid(), flags: r.varint(), credit: r.varint(), wants: r.ints() }
      break
    case FrameType.WANT:
    case FrameType.CANCEL:
    case FrameType.DONT_HAVE:
      frame = { type, indexes: r.ints() }
      break
    case FrameType.CREDIT:
      frame = { type, credit: r.varint() }
      break
    case FrameType.MANIFEST:
      frame = { type, bytes: r.rest() }
      break
    case FrameType.HEADER:
      frame = {
        type,
        cid: r.cid(),
        dtype: r.string(),
        shape: r.ints(),
        strides: r.ints(),
        byteLength: r.varint(),
        chunkSize: r.varint(),
        chunkCount: r.varint(),
      }
      break
    case FrameType.CHUNK:
      frame = { type, index: r.varint(), bytes: r.rest() }
      break
    case FrameType.ERROR:
      frame = { type, code: r.string(), message: r.string() }
      break
    default:
      throw new TensorSwapProtocolError(
        type === undefined ? 'empty frame' : `unknown frame type 0x${type.toString(16)}`,
      )
  }
  r.end()
  return frame
}
