import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { thrownCode as codeOf } from '@ipfrs/test-utils'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  exportSafetensors,
  getModelManifest,
  importSafetensors,
  listModel,
  parseSafetensors,
  readBlock,
  TensorStore,
} from '../src/index.js'

interface Spec {
  dtype: string
  shape: number[]
  data: Uint8Array
}

/**
 * Writes a safetensors file as the format documents it: u64 little-endian N, N bytes of UTF-8 JSON header (padded
 * with spaces to a multiple of 8, as the reference writer does), then the tensors' bytes at their data_offsets.
 */
function safetensorsFile(tensors: Record<string, Spec>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {}
  if (metadata) header.__metadata__ = metadata
  let offset = 0
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] }
    offset += t.data.byteLength
  }
  return rawFile(
    JSON.stringify(header),
    Object.values(tensors).map((t) => t.data),
  )
}

function rawFile(headerText: string, data: Uint8Array[] = [], pad = true): Uint8Array {
  let h = new TextEncoder().encode(headerText)
  if (pad && h.byteLength % 8 !== 0) h = new TextEncoder().encode(headerText + ' '.repeat(8 - (h.byteLength % 8)))
  const total = 8 + h.byteLength + data.reduce((n, d) => n + d.byteLength, 0)
  const out = new Uint8Array(total)
  new DataView(out.buffer).setBigUint64(0, BigInt(h.byteLength), true)
  out.set(h, 8)
  let at = 8 + h.byteLength
  for (const d of data) {
    out.set(d, at)
    at += d.byteLength
  }
  return out
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
const ramp = (n: number, mul = 1) => Uint8Array.from({ length: n }, (_, i) => (i * mul) & 255)

const weights = Float32Array.from({ length: 3000 }, (_, i) => Math.sin(i))
const model = safetensorsFile(
  {
    'layer.1.weight': { dtype: 'F32', shape: [30, 100], data: bytesOf(weights) },
    'layer.0.bias': { dtype: 'BF16', shape: [5], data: ramp(10, 3) },
    'embed.f16': { dtype: 'F16', shape: [2, 2], data: ramp(8, 5) },
    mask: { dtype: 'BOOL', shape: [3], data: Uint8Array.of(1, 0, 1) },
    ids: { dtype: 'I64', shape: [2], data: bytesOf(BigInt64Array.of(-1n, 1n << 40n)) },
    empty: { dtype: 'F64', shape: [0, 7], data: new Uint8Array(0) },
    copy: { dtype: 'F32', shape: [30, 100], data: bytesOf(weights) },
  },
  { format: 'pt', note: 'test model' },
)

describe('safetensors', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfrs-safetensors-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('parses the header in data order, with metadata', () => {
    const p = parseSafetensors(model)
    expect(p.tensors.map((t) => t.name)).toEqual([
      'layer.1.weight',
      'layer.0.bias',
      'embed.f16',
      'mask',
      'ids',
      'empty',
      'copy',
    ])
    expect(p.metadata).toEqual({ format: 'pt', note: 'test model' })
    expect((p.dataOffset - 8) % 8).toBe(0)
  })

  it('imports and exports byte-for-byte, and tensors load as typed views', async () => {
    const blockstore = new MemoryBlockstore()
    const { cid, manifest } = await importSafetensors(model, blockstore, { chunkSize: 1000, name: 'tiny' })
    expect(Object.keys(manifest.tensors).length).toBe(7)
    const again = await getModelManifest(blockstore, cid)
    expect(again.header).toBe(manifest.header)
    expect(again.metadata).toEqual({ format: 'pt', note: 'test model' })
    const out = await exportSafetensors(cid, blockstore)
    expect(out).toEqual(model)
    const store = new TensorStore({ blockstore })
    const w = await store.getTensor(manifest.tensors['layer.1.weight']!)
    expect(w.manifest.encoding).toBe('raw')
    expect(w.shape).toEqual([30, 100])
    expect(w.data).toEqual(weights)
    expect(w.manifest.chunks.length).toBe(12)
    // a tensor with the same bytes under another name has its own manifest but shares every chunk
    const copy = await store.getManifest(manifest.tensors.copy!)
    expect(copy.name).toBe('copy')
    expect(copy.chunks.map(String)).toEqual(w.manifest.chunks.map(String))
    const bias = await store.getTensor(manifest.tensors['layer.0.bias']!)
    expect(bias.dtype).toBe('BF16')
    expect(bias.data).toBeInstanceOf(Uint16Array)
    const list = await listModel(blockstore, cid)
    expect(list.map((t) => [t.name, t.manifest.dtype])).toEqual([
      ['layer.1.weight', 'F32'],
      ['layer.0.bias', 'BF16'],
      ['embed.f16', 'F16'],
      ['mask', 'BOOL'],
      ['ids', 'I64'],
      ['empty', 'F64'],
      ['copy', 'F32'],
    ])
  })

  it('imports from a path, and a file without metadata or padding', async () => {
    const path = join(dir, 'model.safetensors')
    const file = rawFile(
      JSON.stringify({ a: { dtype: 'U8', shape: [3], data_offsets: [0, 3] } }),
      [Uint8Array.of(7, 8, 9)],
      false,
    )
    await writeFile(path, file)
    const blockstore = new MemoryBlockstore()
    const { cid } = await importSafetensors(path, blockstore)
    expect(await exportSafetensors(cid, blockstore)).toEqual(file)
  })

  it('fails export with a typed error when a chunk is corrupt or missing', async () => {
    const blockstore = new MemoryBlockstore()
    const { cid, manifest } = await importSafetensors(model, blockstore, { chunkSize: 4096 })
    const tm = await new TensorStore({ blockstore }).getManifest(manifest.tensors['layer.1.weight']!)
    const c = tm.chunks[1]!
    const good = await readBlock(blockstore, c)
    const bad = Uint8Array.from(good)
    bad[0] = (bad[0] ?? 0) ^ 0x80
    await blockstore.put(c, bad)
    await expect(exportSafetensors(cid, blockstore)).rejects.toMatchObject({ code: 'ERR_BLOCK_HASH_MISMATCH' })
    await blockstore.delete(c)
    await expect(exportSafetensors(cid, blockstore)).rejects.toMatchObject({ code: 'ERR_BLOCK_NOT_FOUND' })
    await expect(getModelManifest(blockstore, c)).rejects.toMatchObject({ code: 'ERR_INVALID_MANIFEST' })
    await expect(getModelManifest(blockstore, manifest.tensors.mask!)).rejects.toMatchObject({
      code: 'ERR_INVALID_MANIFEST',
    })
  })

  const t = (dtype: string, shape: number[], offsets: number[]) => ({ dtype, shape, data_offsets: offsets })
  const malformed: [string, Uint8Array][] = [
    ['shorter than 8 bytes', Uint8Array.of(1, 2, 3)],
    [
      'a header length over the limit',
      (() => {
        const f = rawFile('{}')
        new DataView(f.buffer).setBigUint64(0, 200_000_000n, true)
        return f
      })(),
    ],
    [
      'a header length of 2^64-1',
      (() => {
        const f = rawFile('{}')
        new DataView(f.buffer).setBigUint64(0, 0xffffffffffffffffn, true)
        return f
      })(),
    ],
    [
      'a header length past the end',
      (() => {
        const f = rawFile('{}')
        new DataView(f.buffer).setBigUint64(0, 9n, true)
        return f
      })(),
    ],
    ['bad JSON', rawFile('{"a": {"dtype": "F32",')],
    ['a header that is not an object', rawFile('[1, 2, 3]')],
    [
      'invalid UTF-8',
      (() => {
        const f = rawFile('{"a\u00e9": 1}   ')
        f[12] = 0xff
        return f
      })(),
    ],
    ['an unknown dtype', rawFile(JSON.stringify({ a: t('F8_E4M3', [4], [0, 4]) }), [ramp(4)])],
    ['overlapping offsets', rawFile(JSON.stringify({ a: t('U8', [4], [0, 4]), b: t('U8', [4], [2, 6]) }), [ramp(6)])],
    ['offsets out of range', rawFile(JSON.stringify({ a: t('U8', [8], [0, 8]) }), [ramp(4)])],
    ['reversed offsets', rawFile(JSON.stringify({ a: t('U8', [0], [4, 0]) }), [ramp(4)])],
    ['a size that does not match the shape', rawFile(JSON.stringify({ a: t('F32', [2], [0, 4]) }), [ramp(4)])],
    ['a gap between tensors', rawFile(JSON.stringify({ a: t('U8', [2], [0, 2]), b: t('U8', [2], [3, 5]) }), [ramp(5)])],
    ['bytes after the last tensor', rawFile(JSON.stringify({ a: t('U8', [2], [0, 2]) }), [ramp(5)])],
    ['a negative dimension', rawFile(JSON.stringify({ a: t('U8', [-2], [0, 2]) }), [ramp(2)])],
    ['offsets that are not two integers', rawFile(JSON.stringify({ a: t('U8', [2], [0]) }), [ramp(2)])],
    ['a tensor that is not an object', rawFile(JSON.stringify({ a: 5 }))],
    ['non-string metadata', rawFile(JSON.stringify({ __metadata__: { a: 1 } }))],
  ]
  for (const [what, file] of malformed) {
    it(`refuses a file with ${what}`, async () => {
      expect(codeOf(() => parseSafetensors(file))).toBe('ERR_INVALID_SAFETENSORS')
      const blockstore = new MemoryBlockstore()
      await expect(importSafetensors(file, blockstore)).rejects.toMatchObject({ code: 'ERR_INVALID_SAFETENSORS' })
      let stored = 0
      for await (const _ of blockstore.getAll()) stored++
      expect(stored).toBe(0)
    })
  }
})
