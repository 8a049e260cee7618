import { cidOf } from '@ipfrs/core'
import { describe, expect, it } from 'vitest'
import {
  CreditExceededError,
  creditWindow,
  decodeFrame,
  encodeFrame,
  type Frame,
  FrameReader,
  FrameTooLargeError,
  FrameType,
  fetchOrder,
  MAX_CREDIT,
  ReceiverCredit,
  SenderCredit,
  TensorSwapProtocolError,
} from '../src/index.js'

const cid = cidOf(new Uint8Array([1, 2, 3]), 0x71)

const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts))

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size)
}

async function readAll(bytes: Uint8Array, size: number, max?: number): Promise<Frame[]> {
  const reader = new FrameReader(pieces(bytes, size), max)
  const out: Frame[] = []
  for (let f = await reader.next(); f !== undefined; f = await reader.next()) out.push(f)
  return out
}

const samples: Frame[] = [
  { type: FrameType.REQUEST, cid, flags: 1, credit: 16, wants: [5, 0, 300, 2 ** 40] },
  { type: FrameType.WANT, indexes: [1, 2, 3] },
  { type: FrameType.CANCEL, indexes: [] },
  { type: FrameType.CREDIT, credit: 4 },
  { type: FrameType.MANIFEST, bytes: new Uint8Array([9, 8, 7]) },
  {
    type: FrameType.HEADER,
    cid,
    dtype: 'F32',
    shape: [2, 3],
    strides: [3, 1],
    byteLength: 24,
    chunkSize: 10,
    chunkCount: 3,
  },
  { type: FrameType.CHUNK, index: 7, bytes: new Uint8Array(1000).fill(3) },
  { type: FrameType.DONT_HAVE, indexes: [4] },
  { type: FrameType.ERROR, code: 'ERR_NOT_FOUND', message: 'no block ✓' },
]

describe('frames', () => {
  it('round-trips every frame type through a reader fed 1, 7 and 4096 bytes at a time', async () => {
    const wire = concat(samples.flatMap((f) => encodeFrame(f)))
    for (const size of [1, 7, 4096]) {
      const got = await readAll(wire, size)
      expect(got.length).toBe(samples.length)
      for (const [i, f] of got.entries()) {
        const want = samples[i] as Frame
        expect(f.type).toBe(want.type)
        expect(JSON.stringify(f, (_k, v) => (v?.['/'] !== undefined ? String(v) : v))).toBe(
          JSON.stringify(want, (_k, v) => (v?.['/'] !== undefined ? String(v) : v)),
        )
      }
    }
  })

  it('refuses a frame whose declared length is over the limit before reading its body', async () => {
    const wire = concat(encodeFrame({ type: FrameType.CHUNK, index: 0, bytes: new Uint8Array(5000) }))
    // only the first 3 bytes (the varint prefix) are available: the limit is enforced on the prefix alone
    const reader = new FrameReader(pieces(wire.subarray(0, 3), 3), 1024)
    const err = await reader.next().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FrameTooLargeError)
    expect((err as FrameTooLargeError).code).toBe('ERR_FRAME_TOO_LARGE')
  })

  it('rejects truncated frames, unknown types, trailing bytes, lying list counts, bad varints', async () => {
    const good = concat(encodeFrame({ type: FrameType.WANT, indexes: [1, 2] }))
    const cases: Uint8Array[] = [
      good.subarray(0, good.byteLength - 1), // stream ends inside a frame
      new Uint8Array([1, 0x7f]), // unknown type
      new Uint8Array([4, FrameType.CREDIT, 1, 0, 0]), // trailing bytes
      new Uint8Array([3, FrameType.WANT, 100, 1]), // 100 indexes claimed, 1 byte left
      new Uint8Array([10, FrameType.CREDIT, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // 9-byte varint
      new Uint8Array([0]), // empty frame
      new Uint8Array([3, FrameType.REQUEST, 1, 0xff]), // a CID that does not parse
    ]
    for (const bytes of cases) {
      const err = await readAll(bytes, 2).catch((e: unknown) => e)
      expect(err, `case ${[...bytes]}`).toBeInstanceOf(TensorSwapProtocolError)
      expect((err as TensorSwapProtocolError).code).toBe('ERR_TENSORSWAP_PROTOCOL')
    }
  })

  it('encodes a CHUNK payload as its own part (never copied) that decodes back', () => {
    const payload = new Uint8Array(64).fill(1)
    const [head, body] = encodeFrame({ type: FrameType.CHUNK, index: 3, bytes: payload })
    expect(body).toBe(payload)
    const frame = decodeFrame(concat([head as Uint8Array, payload]).subarray(1))
    expect(frame).toMatchObject({ type: FrameType.CHUNK, index: 3, bytes: payload })
  })
})

describe('flow control', () => {
  it('the receiver refuses chunks beyond the granted credit and grants back in batches', () => {
    const r = new ReceiverCredit(8)
    for (let i = 0; i < 8; i++) r.onChunk()
    expect(() => r.onChunk()).toThrow(CreditExceededError)
    expect(r.consumed()).toBe(0)
    expect(r.consumed()).toBe(2) // a quarter of the window
    r.onChunk()
    r.onChunk()
    expect(() => r.onChunk()).toThrow(CreditExceededError)
  })

  it('the sender never holds more than MAX_CREDIT and tracks its in-flight peak', () => {
    const s = new SenderCredit(4)
    s.take()
    s.take()
    s.take()
    expect(s.maxInFlight).toBe(3)
    s.grant(2) // two consumed on the other side
    s.take()
    s.take()
    s.take()
    expect(s.available).toBe(0)
    expect(s.maxInFlight).toBe(4)
    expect(() => s.take()).toThrow(CreditExceededError)
    expect(() => s.grant(MAX_CREDIT + 1)).toThrow(TensorSwapProtocolError)
  })

  it('sizes the window by bytes as well as chunks', () => {
    expect(creditWindow(1024, 16, 1024 * 1024)).toBe(16)
    expect(creditWindow(4 * 1024 * 1024, 16, 32 * 1024 * 1024)).toBe(8)
    expect(creditWindow(64 * 1024 * 1024, 16, 32 * 1024 * 1024)).toBe(1)
  })

  it('orders priority chunks first, then the rest ascending; refuses indexes out of range', () => {
    expect(fetchOrder(6, [4, 1, 4])).toEqual([4, 1, 0, 2, 3, 5])
    expect(() => fetchOrder(3, [3])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_PRIORITY' }))
  })
})
