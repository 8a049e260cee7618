import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { bitswapBlocksHashedOffThread, blockHashers, digestMessageBlocks } from '../src/index.js'

/** A Bitswap block prefix: CID version, codec, multihash code, digest length. */
const prefix = (hashCode: number, length: number) => new Uint8Array([1, 0x55, hashCode, length])

/**
 * A stand-in for Bitswap's message codec: blocks laid out as [prefix length (1 byte)][prefix][data length (4 bytes)]
 * [data], decoded as views of the bytes, as protons decodes `bytes` fields.
 */
function encode(blocks: Array<{ prefix: Uint8Array; data: Uint8Array }>): Uint8Array {
  const out = new Uint8Array(blocks.reduce((n, b) => n + 5 + b.prefix.byteLength + b.data.byteLength, 0))
  let at = 0
  for (const b of blocks) {
    out[at] = b.prefix.byteLength
    out.set(b.prefix, at + 1)
    at += 1 + b.prefix.byteLength
    new DataView(out.buffer).setUint32(at, b.data.byteLength)
    out.set(b.data, at + 4)
    at += 4 + b.data.byteLength
  }
  return out
}

function decode(bytes: Uint8Array): { blocks: Array<{ prefix: Uint8Array; data: Uint8Array }> } {
  const blocks = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let at = 0; at < bytes.byteLength; ) {
    const prefix = bytes.subarray(at + 1, at + 1 + (bytes[at] as number))
    at += 1 + prefix.byteLength
    const length = view.getUint32(at)
    blocks.push({ prefix, data: bytes.subarray(at + 4, at + 4 + length) })
    at += 4 + length
  }
  return { blocks }
}

const sha = (algorithm: string, bytes: Uint8Array) => new Uint8Array(createHash(algorithm).update(bytes).digest())
const fill = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff)
const sha256 = blockHashers.find((h) => h.code === 0x12)!
const sha512 = blockHashers.find((h) => h.code === 0x13)!

describe('Bitswap blocks hashed on a worker (digestMessageBlocks)', () => {
  it("hashes a message's blocks once, off-thread, and Helia's hashers answer with those digests", async () => {
    const datas = [fill(100_000, 1), fill(70_000, 2), fill(10, 3), fill(90_000, 4)]
    const blocks = [
      { prefix: prefix(0x12, 32), data: datas[0]! },
      { prefix: prefix(0x13, 64), data: datas[1]! },
      { prefix: prefix(0x12, 32), data: datas[2]! },
      // a hash the workers do not compute (blake2b-256): left for Bitswap to hash in place
      { prefix: new Uint8Array([1, 0x55, 0xa0, 0xe4, 0x02, 0x20]), data: datas[3]! },
    ]
    const bytes = encode(blocks)
    const message = decode(bytes)
    const before = bitswapBlocksHashedOffThread()
    const got = await digestMessageBlocks(message, bytes, decode)
    expect(got === message).toBe(false)
    expect(bytes.byteLength).toBe(0) // transferred to the worker and back: the caller reads the returned message only
    expect(bitswapBlocksHashedOffThread() - before).toBe(3)
    expect(got.blocks.map((b) => Buffer.from(b.data).equals(datas[got.blocks.indexOf(b)]!))).toEqual([
      true,
      true,
      true,
      true,
    ])
    // the hashers return the worker's digests for these views (equal to node:crypto's) ...
    const d0 = await sha256.digest(got.blocks[0]!.data)
    expect(d0.digest).toEqual(sha('sha256', datas[0]!))
    expect((await sha512.digest(got.blocks[1]!.data)).digest).toEqual(sha('sha512', datas[1]!))
    expect(CID.create(1, 0x55, d0).equals(CID.create(1, 0x55, await sha256.digest(datas[0]!)))).toBe(true)
    // ... a truncated digest is computed, not taken from the full one
    expect((await sha256.digest(got.blocks[0]!.data, { truncate: 20 })).digest).toEqual(
      sha('sha256', datas[0]!).subarray(0, 20),
    )
  })

  it('hashes any other bytes, including a copy of a remembered block changed since', async () => {
    const data = fill(80_000, 5)
    const bytes = encode([{ prefix: prefix(0x12, 32), data }])
    const got = await digestMessageBlocks(decode(bytes), bytes, decode)
    const copy = got.blocks[0]!.data.slice()
    copy[0] = (copy[0] as number) ^ 0xff
    expect((await sha256.digest(copy)).digest).toEqual(sha('sha256', copy))
    expect((await sha256.digest(copy)).digest).not.toEqual(sha('sha256', data))
  })

  it('leaves a message as it is when its bytes share their buffer with other data, or its blocks are small', async () => {
    const data = fill(100_000, 6)
    const inner = encode([{ prefix: prefix(0x12, 32), data }])
    const shared = new Uint8Array(inner.byteLength + 16)
    shared.set(inner, 16)
    const view = shared.subarray(16)
    const message = decode(view)
    const before = bitswapBlocksHashedOffThread()
    expect(await digestMessageBlocks(message, view, decode)).toBe(message)
    expect(view.byteLength).toBe(inner.byteLength) // not transferred
    const small = encode([{ prefix: prefix(0x12, 32), data: fill(1000, 7) }])
    const smallMessage = decode(small)
    expect(await digestMessageBlocks(smallMessage, small, decode)).toBe(smallMessage)
    expect(bitswapBlocksHashedOffThread()).toBe(before)
    // and the hashers hash those blocks themselves
    expect((await sha256.digest(message.blocks[0]!.data)).digest).toEqual(sha('sha256', data))
  })
})
