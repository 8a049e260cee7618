/** Small model files written from the formats' documented layouts, for the tests (no model from the internet). */

/** One tensor to write: its name, type name, row-major shape and raw little-endian bytes. */
export interface TensorSpec {
  name: string
  dtype: string
  shape: number[]
  data: Uint8Array
}

/** A safetensors file: u64-LE header length, the JSON header (space-padded to 8), then the tensors' data in order. */
export function safetensorsFile(tensors: TensorSpec[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {}
  let at = 0
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + t.data.byteLength] }
    at += t.data.byteLength
  }
  const text = JSON.stringify(header)
  const h = new TextEncoder().encode(text.padEnd(Math.ceil(text.length / 8) * 8, ' '))
  const out = new Uint8Array(8 + h.byteLength + at)
  new DataView(out.buffer).setBigUint64(0, BigInt(h.byteLength), true)
  out.set(h, 8)
  let off = 8 + h.byteLength
  for (const t of tensors) {
    out.set(t.data, off)
    off += t.data.byteLength
  }
  return out
}

/** ggml type ids of the types this writer knows (from ggml.h). */
const GGML: Record<string, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8, I32: 26 }

/**
 * A GGUF v3 file: "GGUF", u32 version, u64 tensor count, u64 metadata count, metadata (u64-length strings, u32 value
 * type; here strings (8) and u32s (4)), tensor infos (name, u32 dims, u64 ne[] innermost first, u32 ggml type, u64
 * offset), zero padding to `alignment`, then each tensor's data at its aligned offset.
 */
export function ggufFile(tensors: TensorSpec[], metadata: Record<string, string | number> = {}, alignment = 32) {
  const parts: number[] = []
  const u8 = (b: Uint8Array) => parts.push(...b)
  const u32 = (v: number) => u8(new Uint8Array(Uint32Array.of(v).buffer))
  const u64 = (v: number) => u8(new Uint8Array(BigUint64Array.of(BigInt(v)).buffer))
  const str = (s: string) => {
    const b = new TextEncoder().encode(s)
    u64(b.byteLength)
    u8(b)
  }
  u8(new TextEncoder().encode('GGUF'))
  u32(3)
  u64(tensors.length)
  u64(Object.keys(metadata).length)
  for (const [k, v] of Object.entries(metadata)) {
    str(k)
    if (typeof v === 'string') {
      u32(8)
      str(v)
    } else {
      u32(4)
      u32(v)
    }
  }
  const align = (n: number) => Math.ceil(n / alignment) * alignment
  let rel = 0
  const offsets: number[] = []
  for (const t of tensors) {
    str(t.name)
    u32(t.shape.length)
    for (const d of [...t.shape].reverse()) u64(d)
    u32(GGML[t.dtype] as number)
    offsets.push(rel)
    u64(rel)
    rel = align(rel + t.data.byteLength)
  }
  const dataStart = align(parts.length)
  const out = new Uint8Array(dataStart + rel)
  out.set(parts)
  for (const [i, t] of tensors.entries()) out.set(t.data, dataStart + (offsets[i] as number))
  return out
}

/** Bytes of a typed array. */
export const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
