import { cidOf } from '@ipfrs/core'
import { thrownCode as codeOf } from '@ipfrs/test-utils'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import {
  CHUNK_CODEC,
  chunkRange,
  decodeManifest,
  encodeManifest,
  MANIFEST_CODEC,
  type TensorManifest,
  validateManifest,
} from '../src/index.js'

const chunk = (i: number) => cidOf(new Uint8Array([i, i + 1, i + 2]), CHUNK_CODEC)

function valid(overrides: Record<string, unknown> = {}): TensorManifest {
  return {
    type: 'ipfrs/tensor',
    version: 1,
    name: 'w',
    encoding: 'raw',
    dtype: 'F32',
    shape: [2, 3],
    strides: [3, 1],
    byteLength: 24,
    chunkSize: 10,
    chunks: [chunk(0), chunk(1), chunk(2)],
    ...overrides,
  } as TensorManifest
}

describe('manifest codec', () => {
  it('round-trips through DAG-CBOR with a dag-cbor sha2-256 CIDv1', () => {
    const m = valid({ meta: { format: 'pt' } })
    const { cid, bytes } = encodeManifest(m)
    expect(cid.version).toBe(1)
    expect(cid.code).toBe(MANIFEST_CODEC)
    expect(cid.multihash.code).toBe(0x12)
    const back = decodeManifest(bytes, cid)
    expect(back.shape).toEqual([2, 3])
    expect(back.chunks.map(String)).toEqual(m.chunks.map(String))
    expect(back.meta).toEqual({ format: 'pt' })
    expect(encodeManifest(back).cid.equals(cid)).toBe(true)
  })

  it('omits undefined optional fields and is deterministic', () => {
    const a = encodeManifest(valid({ name: undefined }))
    const b = encodeManifest(valid({ name: undefined }))
    expect(a.cid.equals(b.cid)).toBe(true)
    expect('name' in (dagCbor.decode(a.bytes) as object)).toBe(false)
  })

  it('keeps fields it does not know (forward compatible)', () => {
    const bytes = dagCbor.encode({ ...valid(), extra: 'x' })
    expect((decodeManifest(bytes) as unknown as { extra: string }).extra).toBe('x')
  })

  it('refuses bytes that do not hash to the CID', () => {
    const { cid, bytes } = encodeManifest(valid())
    const other = encodeManifest(valid({ name: 'other' }))
    expect(codeOf(() => decodeManifest(other.bytes, cid))).toBe('ERR_BLOCK_HASH_MISMATCH')
    expect(codeOf(() => decodeManifest(bytes, chunk(9)))).toBe('ERR_INVALID_MANIFEST')
  })

  it('refuses non-CBOR and non-map blocks', () => {
    expect(codeOf(() => decodeManifest(new Uint8Array([0xff, 0x00, 0x13])))).toBe('ERR_INVALID_MANIFEST')
    expect(codeOf(() => decodeManifest(dagCbor.encode([1, 2])))).toBe('ERR_INVALID_MANIFEST')
    expect(codeOf(() => decodeManifest(dagCbor.encode(null)))).toBe('ERR_INVALID_MANIFEST')
  })

  const bad: [string, Record<string, unknown>][] = [
    ['type', { type: 'other' }],
    ['version', { version: 2 }],
    ['encoding', { encoding: 'zip' }],
    ['dtype', { dtype: 'F8' }],
    ['shape negative', { shape: [-2, -3], strides: [3, 1] }],
    ['shape fraction', { shape: [1.5, 3] }],
    ['shape not a list', { shape: 6 }],
    ['strides length', { strides: [1] }],
    ['byteLength vs shape (raw)', { byteLength: 20, chunks: [chunk(0), chunk(1)] }],
    ['byteLength negative', { byteLength: -1 }],
    ['chunkSize zero', { chunkSize: 0 }],
    ['chunkSize huge', { chunkSize: 2 ** 40 }],
    ['too few chunks', { chunks: [chunk(0), chunk(1)] }],
    ['too many chunks', { chunks: [chunk(0), chunk(1), chunk(2), chunk(3)] }],
    ['chunk not a CID', { chunks: [chunk(0), 'bafy', chunk(2)] }],
    ['chunk with dag-cbor codec', { chunks: [chunk(0), cidOf(new Uint8Array([1]), MANIFEST_CODEC), chunk(2)] }],
    ['chunk CIDv0', { chunks: [chunk(0), CID.createV0(chunk(1).multihash as never), chunk(2)] }],
    ['chunk with sha2-512', { chunks: [chunk(0), cidOf(new Uint8Array([1]), CHUNK_CODEC, 0x13), chunk(2)] }],
    ['name not a string', { name: 5 }],
    ['meta value', { meta: { a: 1 } }],
    ['bytes encoding with F32', { encoding: 'bytes' }],
    ['arrow-ipc too short', { encoding: 'arrow-ipc', byteLength: 8, chunks: [chunk(0)] }],
  ]
  for (const [what, overrides] of bad) {
    it(`refuses a manifest with bad ${what}`, () => {
      expect(codeOf(() => validateManifest(valid(overrides)))).toBe('ERR_INVALID_MANIFEST')
      // and the same through the block decoder
      expect(codeOf(() => decodeManifest(dagCbor.encode(stripUndefined(valid(overrides)))))).toBe(
        'ERR_INVALID_MANIFEST',
      )
      expect(codeOf(() => encodeManifest(valid(overrides)))).toBe('ERR_INVALID_MANIFEST')
    })
  }

  it('accepts an empty tensor with no chunks, and a bytes blob', () => {
    expect(() => validateManifest(valid({ shape: [0, 3], byteLength: 0, chunks: [] }))).not.toThrow()
    const blob = valid({ encoding: 'bytes', dtype: 'U8', shape: [24], strides: [1] })
    expect(validateManifest(blob).encoding).toBe('bytes')
  })

  it('gives chunk byte ranges', () => {
    const m = valid()
    expect(chunkRange(m, 0)).toEqual({ offset: 0, length: 10 })
    expect(chunkRange(m, 2)).toEqual({ offset: 20, length: 4 })
    expect(codeOf(() => chunkRange(m, 3))).toBe('ERR_INVALID_MANIFEST')
  })
})

function stripUndefined(m: object): object {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined))
}
