import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { collect } from '@ipfrs/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Node } from '../src/index.js'
import type { TensorAddResult } from '../src/tensor-layer.js'
import { tempNode } from './helpers.js'

/** A safetensors file laid out as the format documents: u64-LE header length, JSON header (space-padded), data. */
function safetensors(weights: Float32Array): Uint8Array {
  const header = JSON.stringify({
    __metadata__: { format: 'pt' },
    w: { dtype: 'F32', shape: [weights.length / 10, 10], data_offsets: [0, weights.byteLength] },
    ids: { dtype: 'I32', shape: [3], data_offsets: [weights.byteLength, weights.byteLength + 12] },
  })
  const h = new TextEncoder().encode(header.padEnd(Math.ceil(header.length / 8) * 8, ' '))
  const out = new Uint8Array(8 + h.byteLength + weights.byteLength + 12)
  new DataView(out.buffer).setBigUint64(0, BigInt(h.byteLength), true)
  out.set(h, 8)
  out.set(new Uint8Array(weights.buffer), 8 + h.byteLength)
  out.set(new Uint8Array(Int32Array.of(1, -2, 3).buffer), 8 + h.byteLength + weights.byteLength)
  return out
}

/** Byte equality of two views (vitest's deep equality is slow on megabytes). */
function same(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

describe('Node tensor layer', () => {
  let node: Node
  let dir: string
  let cleanup: () => Promise<void>
  beforeEach(async () => {
    ;({ node, dir, cleanup } = await tempNode())
  })
  afterEach(async () => cleanup())

  it('add of a .safetensors file stores it once: the file CID lists, loads and exports its tensors', async () => {
    const weights = Float32Array.from({ length: 400_000 }, (_, i) => Math.cos(i))
    const file = safetensors(weights)
    const path = join(dir, 'model.safetensors')
    await writeFile(path, file)
    const before = (await node.repoStat()).RepoSize
    const results: TensorAddResult[] = []
    for await (const r of node.addPath(path)) results.push(r)
    const root = results.at(-1)
    expect(root?.model).toEqual({ format: 'safetensors', tensors: 2 })
    // one copy: the file DAG (dag-pb framing is a few bytes per 256 KiB leaf) and nothing else
    const grown = (await node.repoStat()).RepoSize - before
    expect(grown).toBeLessThanOrEqual(file.byteLength * 1.05 + 4096)
    expect(same(await collect(node.cat(root!.cid)), file)).toBe(true)
    const list = await node.tensor.listModel(root!.cid)
    expect(list.map((t) => [t.name, t.manifest.dtype, t.manifest.shape])).toEqual([
      ['w', 'F32', [40_000, 10]],
      ['ids', 'I32', [3]],
    ])
    const w = await node.tensor.load(root!.cid, 'w')
    expect(w.data).toBeInstanceOf(Float32Array)
    expect(same(w.data as Float32Array, weights)).toBe(true)
    expect(Array.from((await node.tensor.load(root!.cid, 'ids')).data as Int32Array)).toEqual([1, -2, 3])
    await expect(node.tensor.load(root!.cid, 'nope')).rejects.toMatchObject({ code: 'ERR_TENSOR_NOT_FOUND' })
    // pinned by add: GC keeps every block of the file
    await node.gc({ minAgeSeconds: 0 })
    expect(same(await node.tensor.exportSafetensors(root!.cid), file)).toBe(true)
  })

  it('a malformed .safetensors file is still added as UnixFS, without a model', async () => {
    const path = join(dir, 'broken.safetensors')
    await writeFile(path, new TextEncoder().encode('not a safetensors file at all'))
    const results: TensorAddResult[] = []
    for await (const r of node.addPath(path)) results.push(r)
    expect(results.at(-1)?.model).toBeUndefined()
    expect(new TextDecoder().decode(await collect(node.cat(results.at(-1)!.cid)))).toBe('not a safetensors file at all')
  })

  it('puts and gets tensors and blobs; unpinned ones go at GC', async () => {
    const kept = await node.tensor.putTensor(Int16Array.of(1, 2, 3, 4), { shape: [2, 2] })
    const loose = await node.tensor.putBytes(new Uint8Array(5000).fill(7), { pin: false })
    expect(Array.from((await node.tensor.getTensor(kept)).data as Int16Array)).toEqual([1, 2, 3, 4])
    expect((await node.tensor.getBytes(loose)).byteLength).toBe(5000)
    await node.gc({ minAgeSeconds: 0 })
    expect(Array.from((await node.tensor.getTensor(kept, { as: 'arrow' })).data.getChildAt(0)!.toArray())).toEqual([
      1, 2, 3, 4,
    ])
    await expect(node.tensor.getBytes(loose)).rejects.toMatchObject({ code: 'ERR_BLOCK_NOT_FOUND' })
  })

  it('node.putTensor / node.getTensor: a typed array back, or an Arrow table', async () => {
    const cid = await node.putTensor(Float32Array.of(0.5, -1, 2), { name: 'w' })
    const typed = await node.getTensor(cid)
    expect(typed.data).toBeInstanceOf(Float32Array)
    expect(Array.from(typed.data as Float32Array)).toEqual([0.5, -1, 2])
    const table = await node.getTensor(cid, { as: 'arrow' })
    expect(Array.from(table.data.getChildAt(0)!.toArray() as Float32Array)).toEqual([0.5, -1, 2])
  })
})
