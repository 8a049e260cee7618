import * as dagPb from '@ipld/dag-pb'
import { describe, expect, it } from 'vitest'
import {
  BlockDecodeError,
  BlockHashMismatchError,
  blockLinks,
  cidOf,
  codecName,
  decodeBlock,
  encodeBlock,
  getCodec,
  hashMatches,
  UnsupportedCodecError,
  verifiedBlock,
} from '../src/index.js'

describe('codecs and blocks', () => {
  it('round-trips a value through each structured codec', () => {
    for (const codec of ['dag-cbor', 'dag-json']) {
      const block = encodeBlock({ a: 1, b: 'two', c: [true, null] }, codec)
      expect(codecName(block.cid.code)).toBe(codec)
      expect(decodeBlock(block)).toEqual({ a: 1, b: 'two', c: [true, null] })
    }
  })

  it('the same value always gives the same CID (canonical encoding)', () => {
    expect(encodeBlock({ b: 2, a: 1 }, 'dag-cbor').cid.toString()).toBe(
      encodeBlock({ a: 1, b: 2 }, 'dag-cbor').cid.toString(),
    )
  })

  it('finds links in dag-pb, dag-cbor and dag-json blocks', () => {
    const leaf = encodeBlock(new Uint8Array([1, 2, 3]), 'raw')
    const other = encodeBlock({ x: 1 }, 'dag-cbor')
    const cbor = encodeBlock({ deep: { list: [leaf.cid, { y: other.cid }] } }, 'dag-cbor')
    expect([...blockLinks(cbor.cid, cbor.bytes)].map(String)).toEqual([leaf.cid, other.cid].map(String))
    const json = encodeBlock({ l: leaf.cid }, 'dag-json')
    expect([...blockLinks(json.cid, json.bytes)].map(String)).toEqual([leaf.cid.toString()])
    const pbBytes = dagPb.encode({ Links: [{ Hash: leaf.cid, Name: 'a', Tsize: 3 }] })
    const pbCid = cidOf(pbBytes, dagPb.code)
    expect([...blockLinks(pbCid, pbBytes)].map(String)).toEqual([leaf.cid.toString()])
    expect([...blockLinks(leaf.cid, leaf.bytes)]).toEqual([])
  })

  it('verifies hashes and rejects corrupt or truncated bytes', () => {
    const block = encodeBlock({ hello: 'world' }, 'dag-cbor')
    expect(hashMatches(block.cid, block.bytes)).toBe(true)
    const corrupt = block.bytes.slice()
    corrupt[0] = (corrupt[0] ?? 0) ^ 0xff
    expect(() => verifiedBlock(block.cid, corrupt)).toThrow(BlockHashMismatchError)
    expect(() => verifiedBlock(block.cid, block.bytes.subarray(0, 3))).toThrow(
      expect.objectContaining({ code: 'ERR_BLOCK_HASH_MISMATCH' }),
    )
  })

  it('gives typed errors for unknown codecs and undecodable bytes', () => {
    expect(() => getCodec(0x9999)).toThrow(UnsupportedCodecError)
    expect(() => getCodec('dag-nope')).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED_CODEC' }))
    const bytes = new Uint8Array([0xff, 0xff, 0xff])
    expect(() => decodeBlock({ cid: cidOf(bytes, 0x71), bytes })).toThrow(BlockDecodeError)
  })
})
