import { DTYPES, type DType } from '@ipfrs/core'
import { codeOf } from '@ipfrs/test-utils'
import { makeVector, Table, tableFromArrays, vectorFromArray } from 'apache-arrow'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { describe, expect, it } from 'vitest'
import { columnView, decodeManifest, readBlock, TensorStore, TYPED_ARRAY_OF } from '../src/index.js'

/** Deterministic sample values of `dtype`, as the typed array that holds them. */
function sample(dtype: DType, n: number): ArrayBufferView & { length: number } {
  const Ctor = TYPED_ARRAY_OF[dtype] as unknown as new (n: number) => ArrayBufferView & { length: number }
  const out = new Ctor(n) as unknown as Record<number, number | bigint> & ArrayBufferView & { length: number }
  for (let i = 0; i < n; i++) {
    const x = (i * 7919) % 251
    if (out instanceof BigInt64Array) out[i] = BigInt(x) * (i % 2 ? -1n : 1n) * 10_000_000_000n
    else if (out instanceof BigUint64Array) out[i] = BigInt(x) * 10_000_000_000n
    else if (out instanceof Float32Array || out instanceof Float64Array) out[i] = (x - 125) / 8
    else if (dtype === 'BOOL') out[i] = x & 1
    else if (out instanceof Int8Array || out instanceof Int16Array || out instanceof Int32Array) out[i] = x - 125
    else out[i] = x
  }
  return out
}

describe('TensorStore', () => {
  const dtypes = Object.keys(DTYPES) as DType[]
  for (const dtype of dtypes) {
    it(`round-trips ${dtype} as typed array and as Arrow Table, across chunks`, async () => {
      const store = new TensorStore({ blockstore: new MemoryBlockstore() })
      const values = sample(dtype, 301)
      const cid = await store.putTensor(values, { dtype, shape: [7, 43], name: `t-${dtype}`, chunkSize: 100 })
      const manifest = await store.getManifest(cid)
      expect(manifest.encoding).toBe('arrow-ipc')
      expect(manifest.dtype).toBe(dtype)
      expect(manifest.chunks.length).toBeGreaterThan(3)
      const typed = await store.getTensor(cid)
      expect(typed.dtype).toBe(dtype)
      expect(typed.shape).toEqual([7, 43])
      expect(typed.strides).toEqual([43, 1])
      expect(typed.name).toBe(`t-${dtype}`)
      expect(typed.data.constructor).toBe(values.constructor)
      expect(Array.from(typed.data as ArrayLike<unknown>)).toEqual(Array.from(values as unknown as ArrayLike<unknown>))
      const arrow = await store.getTensor(cid, { as: 'arrow' })
      expect(arrow.data).toBeInstanceOf(Table)
      expect(arrow.data.numRows).toBe(301)
      const col = columnView(arrow.data)
      expect(col.dtype).toBe(dtype)
      expect(Array.from(col.values as ArrayLike<unknown>)).toEqual(Array.from(values as unknown as ArrayLike<unknown>))
    })
  }

  it('returns views over the one reassembled buffer, not copies', async () => {
    const store = new TensorStore({ blockstore: new MemoryBlockstore() })
    const values = Float32Array.from({ length: 10_000 }, (_, i) => i / 3)
    const cid = await store.putTensor(values, { chunkSize: 4096 })
    const manifest = await store.getManifest(cid)
    const { data } = await store.getTensor(cid)
    // the typed array's buffer is the whole reassembled Arrow IPC stream (a copy would be just 40 000 bytes)
    expect(data.buffer.byteLength).toBe(manifest.byteLength)
    expect(data.buffer.byteLength).toBeGreaterThan(values.byteLength)
    expect(new Uint8Array(data.buffer)).toEqual(await store.getBytes(cid))
    expect(data.byteOffset).toBeGreaterThan(0)
    // writing through the view changes the stream's bytes at that offset
    const raw = new Uint8Array(data.buffer, data.byteOffset, 4)
    const before = Array.from(raw)
    ;(data as Float32Array)[0] = 12345.5
    expect(Array.from(raw)).not.toEqual(before)
    // the Arrow Table's column and the typed view share one buffer too
    const { data: table } = await store.getTensor(cid, { as: 'arrow' })
    const col = columnView(table)
    expect(col.values.buffer.byteLength).toBe(manifest.byteLength)
    const column = table.getChildAt(0)
    expect(column?.data[0]?.values.buffer).toBe(col.values.buffer)
  })

  it('stores raw tensors (encoding raw) as views of their own bytes', async () => {
    const store = new TensorStore({ blockstore: new MemoryBlockstore() })
    const values = Int16Array.from({ length: 999 }, (_, i) => i - 500)
    const bytes = new Uint8Array(values.buffer)
    const cid = await store.putRawTensor(bytes, { dtype: 'I16', shape: [27, 37], chunkSize: 256 })
    const t = await store.getTensor(cid)
    expect(t.manifest.encoding).toBe('raw')
    expect(t.data).toEqual(values)
    expect(t.data.buffer.byteLength).toBe(bytes.byteLength)
    const a = await store.getTensor(cid, { as: 'arrow' })
    expect(columnView(a.data).values.buffer.byteLength).toBe(bytes.byteLength)
    expect(Array.from(columnView(a.data).values as Int16Array)).toEqual(Array.from(values))
    expect(await codeOf(store.putRawTensor(bytes, { dtype: 'F32', shape: [999] }))).toBe('ERR_INVALID_TENSOR_INPUT')
    expect(await codeOf(store.putRawTensor(bytes.subarray(1), { dtype: 'I16', shape: [999] }))).toBe(
      'ERR_INVALID_TENSOR_INPUT',
    )
  })

  it('accepts Arrow Tables and Vectors (single and multi-chunk)', async () => {
    const store = new TensorStore({ blockstore: new MemoryBlockstore() })
    const table = tableFromArrays({ x: Float64Array.from([1.5, 2.5, 3.5]) })
    const t = await store.getTensor(await store.putTensor(table))
    expect(t.dtype).toBe('F64')
    expect(Array.from(t.data as Float64Array)).toEqual([1.5, 2.5, 3.5])
    const vec = makeVector(Int32Array.from([4, 5, 6]))
    const v = await store.getTensor(await store.putTensor(vec, { shape: [3, 1] }))
    expect(v.dtype).toBe('I32')
    expect(Array.from(v.data as Int32Array)).toEqual([4, 5, 6])
    const multi = makeVector(Int32Array.from([1, 2])).concat(makeVector(Int32Array.from([3])))
    const m = await store.getTensor(await store.putTensor(multi))
    expect(Array.from(m.data as Int32Array)).toEqual([1, 2, 3])
  })

  it('stores opaque bytes and refuses to read them as a tensor', async () => {
    const store = new TensorStore({ blockstore: new MemoryBlockstore() })
    const blob = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 255)
    const cid = await store.putBytes(blob, { chunkSize: 1024, name: 'blob' })
    const m = await store.getManifest(cid)
    expect(m.encoding).toBe('bytes')
    expect(m.shape).toEqual([5000])
    expect(m.chunks.length).toBe(5)
    expect(await store.getBytes(cid)).toEqual(blob)
    expect(await codeOf(store.getTensor(cid))).toBe('ERR_WRONG_ENCODING')
    const empty = await store.putBytes(new Uint8Array(0))
    expect((await store.getBytes(empty)).byteLength).toBe(0)
  })

  it('refuses bad input with typed errors', async () => {
    const store = new TensorStore({ blockstore: new MemoryBlockstore() })
    const f = new Float32Array(6)
    const bad: [unknown, object][] = [
      ['not a tensor', {}],
      [[1, 2, 3], {}],
      [new DataView(new ArrayBuffer(4)), {}],
      [f, { shape: [4, 2] }],
      [f, { shape: [-1, -6] }],
      [f, { shape: [2, 3], strides: [1] }],
      [f, { chunkSize: 0 }],
      [f, { chunkSize: 1e12 }],
      [f, { dtype: 'I32' }],
      [f, { dtype: 'F8' }],
      [tableFromArrays({ a: ['x', 'y'] as never }), {}],
      [tableFromArrays({ a: Float32Array.from([1]), b: Float32Array.from([2]) }), {}],
      [vectorFromArray([1, null, 3]), {}],
    ]
    for (const [input, opts] of bad) {
      expect(await codeOf(store.putTensor(input as Float32Array, opts))).toBe('ERR_INVALID_TENSOR_INPUT')
    }
  })

  it('detects a corrupt, truncated or missing chunk, and a corrupt manifest', async () => {
    const blockstore = new MemoryBlockstore()
    const store = new TensorStore({ blockstore })
    const values = Float32Array.from({ length: 1000 }, (_, i) => i)
    const cid = await store.putTensor(values, { chunkSize: 512 })
    const manifest = await store.getManifest(cid)
    const target = manifest.chunks[3]
    if (target == null) throw new Error('expected chunks')
    const good = await readBlock(blockstore, target)
    const flipped = Uint8Array.from(good)
    flipped[100] = (flipped[100] ?? 0) ^ 1
    await blockstore.put(target, flipped)
    expect(await codeOf(store.getTensor(cid))).toBe('ERR_BLOCK_HASH_MISMATCH')
    expect(await codeOf(store.getBytes(cid))).toBe('ERR_BLOCK_HASH_MISMATCH')
    await blockstore.put(target, good.subarray(0, 500))
    expect(await codeOf(store.getTensor(cid))).toBe('ERR_BLOCK_HASH_MISMATCH')
    await blockstore.put(target, Uint8Array.from([...good, 0]))
    expect(await codeOf(store.getTensor(cid))).toBe('ERR_BLOCK_HASH_MISMATCH')
    await blockstore.delete(target)
    expect(await codeOf(store.getTensor(cid))).toBe('ERR_BLOCK_NOT_FOUND')
    await blockstore.put(target, good)
    expect((await store.getTensor(cid)).data).toEqual(values)
    // the manifest block itself
    const mbytes = await readBlock(blockstore, cid)
    expect(decodeManifest(mbytes, cid).chunks.length).toBe(manifest.chunks.length)
    const broken = Uint8Array.from(mbytes)
    broken[broken.length - 1] = (broken[broken.length - 1] ?? 0) ^ 0xff
    await blockstore.put(cid, broken)
    expect(await codeOf(store.getTensor(cid))).toBe('ERR_BLOCK_HASH_MISMATCH')
    await blockstore.delete(cid)
    expect(await codeOf(store.getTensor(cid))).toBe('ERR_BLOCK_NOT_FOUND')
  })

  it('handles empty and scalar tensors', async () => {
    const store = new TensorStore({ blockstore: new MemoryBlockstore() })
    const e = await store.getTensor(await store.putTensor(new Float64Array(0), { shape: [0, 4] }))
    expect(e.data.length).toBe(0)
    expect(e.shape).toEqual([0, 4])
    const s = await store.getTensor(await store.putTensor(Float32Array.of(2.5), { shape: [] }))
    expect(s.shape).toEqual([])
    expect(Array.from(s.data as Float32Array)).toEqual([2.5])
  })
})
