import { bytesOf, ggufFile } from '@ipfrs/test-utils'
import { describe, expect, it } from 'vitest'
import { InvalidGgufError, isGguf, parseGguf, parseModelHeader } from '../src/index.js'

const f32 = (n: number) => bytesOf(Float32Array.from({ length: n }, (_, i) => i))

describe('GGUF headers', () => {
  it('parses version, metadata, alignment and tensor infos (row-major shapes, absolute offsets)', () => {
    const file = ggufFile(
      [
        { name: 'a', dtype: 'F32', shape: [2, 3], data: f32(6) },
        { name: 'q', dtype: 'Q4_0', shape: [2, 64], data: new Uint8Array(2 * 2 * 18) },
      ],
      { 'general.architecture': 'llama', 'general.alignment': 16 },
      16,
    )
    expect(isGguf(file)).toBe(true)
    const g = parseGguf(file, file.byteLength)
    expect(g.version).toBe(3)
    expect(g.alignment).toBe(16)
    expect(g.metadata['general.architecture']).toBe('llama')
    expect(g.dataOffset % 16).toBe(0)
    expect(g.tensors).toEqual([
      { name: 'a', type: 'F32', shape: [2, 3], offset: g.dataOffset, byteLength: 24 },
      { name: 'q', type: 'Q4_0', shape: [2, 64], offset: g.dataOffset + 32, byteLength: 72 },
    ])
    const m = parseModelHeader(file, file.byteLength)
    expect(m.format).toBe('gguf')
    expect(m.tensors.map((t) => t.dtype)).toEqual(['F32', 'Q4_0'])
  })

  it('asks for more bytes when the header runs past the prefix it was given', () => {
    const file = ggufFile([{ name: 'a', dtype: 'F32', shape: [4], data: f32(4) }], { 'general.name': 'x'.repeat(100) })
    expect(() => parseGguf(file.subarray(0, 40), file.byteLength)).toThrow(/needs the first/)
  })

  const bad: Array<[string, (f: Uint8Array) => void]> = [
    ['a wrong version', (f) => new DataView(f.buffer).setUint32(4, 7, true)],
    ['a tensor count no file could hold', (f) => new DataView(f.buffer).setBigUint64(8, 1n << 50n, true)],
    ['a metadata count no file could hold', (f) => new DataView(f.buffer).setBigUint64(16, 1n << 40n, true)],
    ['a string longer than the file', (f) => new DataView(f.buffer).setBigUint64(24, 1n << 62n, true)],
    ['an unknown metadata value type', (f) => new DataView(f.buffer).setUint32(24 + 8 + 12, 99, true)],
  ]
  for (const [what, spoil] of bad) {
    it(`rejects ${what} with ERR_INVALID_GGUF`, () => {
      const file = ggufFile([{ name: 'a', dtype: 'F32', shape: [4], data: f32(4) }], { 'general.name': 'x' })
      spoil(file)
      expect(() => parseGguf(file, file.byteLength)).toThrow(InvalidGgufError)
    })
  }

  it('rejects a truncated file, an unknown ggml type and a row that is not whole blocks', () => {
    const file = ggufFile([{ name: 'a', dtype: 'F32', shape: [4], data: f32(4) }])
    expect(() => parseGguf(file.subarray(0, 50), 50)).toThrow(/truncated/)
    const typeAt = 24 + 8 + 1 + 4 + 8 // magic..counts, name length, 'a', dims, ne[0]
    const unknown = file.slice()
    new DataView(unknown.buffer).setUint32(typeAt, 1000, true)
    expect(() => parseGguf(unknown, unknown.byteLength)).toThrow(/unknown ggml type/)
    const q = file.slice()
    new DataView(q.buffer).setUint32(typeAt, 2, true) // Q4_0 needs rows of 32
    expect(() => parseGguf(q, q.byteLength)).toThrow(/whole Q4_0 blocks/)
  })
})
