import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { bytesOf, ggufFile, safetensorsFile } from '@ipfrs/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Node } from '../src/index.js'
import type { TensorAddResult } from '../src/tensor-layer.js'
import { tempNode } from './helpers.js'

async function add(node: Node, path: string, bytes: Uint8Array): Promise<TensorAddResult> {
  await writeFile(path, bytes)
  const results: TensorAddResult[] = []
  for await (const r of node.addPath(path)) results.push(r)
  return results.at(-1) as TensorAddResult
}

describe('model files (GGUF, safetensors) by their file CID', () => {
  let node: Node
  let dir: string
  let cleanup: () => Promise<void>
  beforeEach(async () => {
    ;({ node, dir, cleanup } = await tempNode())
  })
  afterEach(async () => cleanup())

  it('GGUF: ls lists names, ggml types and shapes; load and get --name read one tensor', async () => {
    const emb = Float32Array.from({ length: 96 * 64 }, (_, i) => i * 0.25)
    const q = new Uint8Array(34 * 4 * 3).map((_, i) => i % 251) // Q8_0: 34-byte blocks of 32, shape [3, 128]
    const file = ggufFile(
      [
        { name: 'token_embd.weight', dtype: 'F32', shape: [96, 64], data: bytesOf(emb) },
        { name: 'blk.0.attn_q.weight', dtype: 'Q8_0', shape: [3, 128], data: q },
      ],
      { 'general.architecture': 'llama', 'general.alignment': 64 },
      64,
    )
    const root = await add(node, join(dir, 'tiny.gguf'), file)
    expect(root.model).toEqual({ format: 'gguf', tensors: 2 })
    const model = await node.tensor.describeModel(root.cid)
    expect(model).toMatchObject({ format: 'gguf', version: 3, metadata: { 'general.architecture': 'llama' } })
    const list = await node.tensor.listModel(root.cid)
    expect(list.map((t) => [t.name, t.manifest.dtype, t.manifest.shape])).toEqual([
      ['token_embd.weight', 'F32', [96, 64]],
      ['blk.0.attn_q.weight', 'Q8_0', [3, 128]],
    ])
    const loaded = await node.tensor.load(root.cid, 'token_embd.weight')
    expect(Buffer.from(bytesOf(loaded.data as Float32Array)).equals(Buffer.from(bytesOf(emb)))).toBe(true)
    expect(Buffer.from(await node.tensor.getBytes(root.cid, { name: 'blk.0.attn_q.weight' })).equals(q)).toBe(true)
    // a quantized tensor has no typed array
    await expect(node.tensor.load(root.cid, 'blk.0.attn_q.weight')).rejects.toMatchObject({
      code: 'ERR_WRONG_ENCODING',
    })
  })

  const valid = () =>
    ggufFile([{ name: 'a', dtype: 'F32', shape: [8], data: new Uint8Array(32) }], { 'general.name': 'x' })

  const malformed: Array<[string, () => Uint8Array, string, string]> = [
    [
      'a GGUF tensor whose offset lies past the file',
      () => {
        const f = valid()
        new DataView(f.buffer).setBigUint64(findTensorOffset(f, 0x61), 4096n, true)
        return f
      },
      'gguf',
      'ERR_INVALID_GGUF',
    ],
    ['overlapping GGUF tensors', ggufOverlap, 'gguf', 'ERR_INVALID_GGUF'],
    [
      'a GGUF string length of 2^60',
      () => {
        const f = valid()
        new DataView(f.buffer).setBigUint64(24, 1n << 60n, true) // the first metadata key's length
        return f
      },
      'gguf',
      'ERR_INVALID_GGUF',
    ],
    ['a truncated GGUF file', () => valid().subarray(0, 40), 'gguf', 'ERR_INVALID_GGUF'],
    [
      'a safetensors header length of 2^40',
      () => {
        const f = safetensorsFile([{ name: 'a', dtype: 'F32', shape: [2], data: new Uint8Array(8) }])
        new DataView(f.buffer).setBigUint64(0, 1n << 40n, true)
        return f
      },
      'safetensors',
      'ERR_INVALID_SAFETENSORS',
    ],
    [
      'safetensors offsets that lie',
      () => {
        const text = JSON.stringify({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }).replace('8]', '80]')
        const h = new TextEncoder().encode(text)
        const f = new Uint8Array(8 + h.byteLength + 8)
        new DataView(f.buffer).setBigUint64(0, BigInt(h.byteLength), true)
        f.set(h, 8)
        return f
      },
      'safetensors',
      'ERR_INVALID_SAFETENSORS',
    ],
  ]

  for (const [what, bytes, ext, code] of malformed) {
    it(`${what}: added as a plain file only, and a typed error from tensor ls`, async () => {
      const file = bytes()
      const before = (await node.repoStat()).NumObjects
      const root = await add(node, join(dir, `bad.${ext}`), file)
      expect(root.model).toBeUndefined()
      // nothing but the file's own blocks (one leaf: one block)
      expect((await node.repoStat()).NumObjects - before).toBe(1)
      await expect(node.tensor.listModel(root.cid)).rejects.toMatchObject({ code })
    })
  }
})

/**
 * Where the u64 offset of the 1-D tensor named by the one byte `name` sits in a GGUF from ggufFile: its info is
 * u64 name length (1), the name, u32 dims (1), u64 ne, u32 type, u64 offset.
 */
function findTensorOffset(f: Uint8Array, name: number): number {
  for (let i = 0; i < f.byteLength - 9; i++)
    if (f[i] === 1 && f.subarray(i + 1, i + 8).every((b) => b === 0) && f[i + 8] === name && f[i + 9] === 1)
      return i + 9 + 4 + 8 + 4
  throw new Error('no tensor info')
}

/** A GGUF file whose two tensors both claim offset 0. */
function ggufOverlap(): Uint8Array {
  const f = ggufFile([
    { name: 'a', dtype: 'F32', shape: [8], data: new Uint8Array(32) },
    { name: 'b', dtype: 'F32', shape: [8], data: new Uint8Array(32) },
  ])
  new DataView(f.buffer).setBigUint64(findTensorOffset(f, 0x62), 0n, true)
  return f
}
