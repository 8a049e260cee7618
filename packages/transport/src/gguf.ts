/**
 * GGUF (llama.cpp's model file) header parsing, from the format's documented layout: magic "GGUF", u32 version (2 or 3),
 * u64 tensor count, u64 metadata count, the metadata key/values (u64-length strings, u32 value types, arrays), the
 * tensor infos (name, u32 dims, u64 dims, u32 ggml type, u64 offset from the data section), then the data section at
 * the next multiple of `general.alignment` (default 32). All little-endian. The parser validates everything a lying
 * header could use against a reader: counts and lengths against the bytes that exist, ggml types, sizes, alignment,
 * ranges inside the file and no two tensors overlapping.
 */
import { InvalidGgufError } from './errors.js'
import { MoreBytesNeeded } from './header-cursor.js'

/** ggml tensor types: name, elements per block, bytes per block. */
const GGML_TYPES: Readonly<Record<number, readonly [string, number, number]>> = {
  0: ['F32', 1, 4],
  1: ['F16', 1, 2],
  2: ['Q4_0', 32, 18],
  3: ['Q4_1', 32, 20],
  6: ['Q5_0', 32, 22],
  7: ['Q5_1', 32, 24],
  8: ['Q8_0', 32, 34],
  9: ['Q8_1', 32, 36],
  10: ['Q2_K', 256, 84],
  11: ['Q3_K', 256, 110],
  12: ['Q4_K', 256, 144],
  13: ['Q5_K', 256, 176],
  14: ['Q6_K', 256, 210],
  15: ['Q8_K', 256, 292],
  16: ['IQ2_XXS', 256, 66],
  17: ['IQ2_XS', 256, 74],
  18: ['IQ3_XXS', 256, 98],
  19: ['IQ1_S', 256, 50],
  20: ['IQ4_NL', 32, 18],
  21: ['IQ3_S', 256, 110],
  22: ['IQ2_S', 256, 82],
  23: ['IQ4_XS', 256, 136],
  24: ['I8', 1, 1],
  25: ['I16', 1, 2],
  26: ['I32', 1, 4],
  27: ['I64', 1, 8],
  28: ['F64', 1, 8],
  29: ['IQ1_M', 256, 56],
  30: ['BF16', 1, 2],
}

/** The ggml type ids by name (for writing test files and for callers that map types). */
export const GGML_TYPE_IDS: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(GGML_TYPES).map(([id, [name]]) => [name, Number(id)]),
)

/** Metadata value types of GGUF. */
enum ValueType {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
}

/** A metadata value: numbers (u64/i64 as bigint), booleans, strings, arrays of them. */
export type GgufValue = number | bigint | boolean | string | GgufValue[]

/** One tensor of a GGUF file. `shape` is row-major (GGUF's `ne` reversed); `offset` is from the start of the file. */
export interface GgufTensor {
  readonly name: string
  /** The ggml type's name, e.g. 'F32', 'Q4_K'. */
  readonly type: string
  readonly shape: readonly number[]
  readonly offset: number
  readonly byteLength: number
}

/** A parsed GGUF header. */
export interface ParsedGguf {
  readonly version: number
  readonly metadata: Readonly<Record<string, GgufValue>>
  readonly alignment: number
  /** Where the data section starts (the header's length, padded to the alignment). */
  readonly dataOffset: number
  /** The tensors in data order. */
  readonly tensors: readonly GgufTensor[]
}

/** The 4 magic bytes "GGUF" read as a little-endian u32. */
export const GGUF_MAGIC = 0x46554747

/** Whether the first bytes of a file are GGUF's magic. */
export function isGguf(prefix: Uint8Array): boolean {
  return prefix.byteLength >= 4 && new DataView(prefix.buffer, prefix.byteOffset, 4).getUint32(0, true) === GGUF_MAGIC
}

/**
 * Parses the header of a GGUF file of `fileSize` bytes from its first bytes `prefix`. Throws `MoreBytesNeeded` when the
 * header runs past `prefix` (read more and call again), `InvalidGgufError` (`ERR_INVALID_GGUF`) when it is malformed.
 */
export function parseGguf(prefix: Uint8Array, fileSize: number): ParsedGguf {
  const r = new Reader(prefix, fileSize)
  if (r.u32() !== GGUF_MAGIC) throw new InvalidGgufError('no GGUF magic')
  const version = r.u32()
  if (version !== 2 && version !== 3) throw new InvalidGgufError(`unsupported version ${version}`)
  const tensorCount = r.count('tensor count', 8 + 4 + 4 + 8)
  const kvCount = r.count('metadata count', 8 + 4 + 1)
  const metadata: Record<string, GgufValue> = {}
  for (let i = 0; i < kvCount; i++) {
    const key = r.string()
    if (Object.hasOwn(metadata, key)) throw new InvalidGgufError(`metadata key "${key}" twice`)
    metadata[key] = r.value(r.u32(), 0)
  }
  const align = metadata['general.alignment'] ?? 32
  if (typeof align !== 'number' || align < 1 || align > 1 << 20 || (align & (align - 1)) !== 0)
    throw new InvalidGgufError(`general.alignment ${String(align)} is not a power of two up to 1 MiB`)
  const infos: Array<{ name: string; type: string; ne: number[]; rel: number; byteLength: number }> = []
  const names = new Set<string>()
  for (let i = 0; i < tensorCount; i++) {
    const name = r.string()
    if (names.has(name)) throw new InvalidGgufError(`tensor "${name}" twice`)
    names.add(name)
    const dims = r.u32()
    if (dims > 8) throw new InvalidGgufError(`tensor "${name}" has ${dims} dimensions`)
    const ne: number[] = []
    for (let d = 0; d < dims; d++) ne.push(r.u64n(`tensor "${name}" dimension`))
    const typeId = r.u32()
    const type = GGML_TYPES[typeId]
    if (type === undefined) throw new InvalidGgufError(`tensor "${name}" has unknown ggml type ${typeId}`)
    const rel = r.u64n(`tensor "${name}" offset`)
    if (rel % align !== 0) throw new InvalidGgufError(`tensor "${name}" offset ${rel} is not aligned to ${align}`)
    infos.push({ name, type: type[0], ne, rel, byteLength: tensorBytes(name, ne, type) })
  }
  const dataOffset = Math.ceil(r.at / align) * align
  const tensors = infos
    .map((t) => ({
      name: t.name,
      type: t.type,
      shape: [...t.ne].reverse(),
      offset: dataOffset + t.rel,
      byteLength: t.byteLength,
    }))
    .sort((a, b) => a.offset - b.offset)
  let end = dataOffset
  for (const t of tensors) {
    if (t.offset < end) throw new InvalidGgufError(`tensor "${t.name}" overlaps the tensor before it`)
    end = t.offset + t.byteLength
    if (end > fileSize)
      throw new InvalidGgufError(`tensor "${t.name}" ends at ${end}, past the end of a ${fileSize}-byte file`)
  }
  return { version, metadata, alignment: align, dataOffset, tensors }
}

function tensorBytes(name: string, ne: readonly number[], [type, block, size]: readonly [string, number, number]) {
  const first = ne[0] ?? 1
  if (first % block !== 0)
    throw new InvalidGgufError(`tensor "${name}": ${first} elements per row is not whole ${type} blocks`)
  let bytes = (first / block) * size
  for (const d of ne.slice(1)) bytes *= d
  if (!Number.isSafeInteger(bytes)) throw new InvalidGgufError(`tensor "${name}" is too large`)
  return bytes
}

/** A little-endian cursor over a header prefix that knows how long the whole file is. */
class Reader {
  at = 0
  readonly #view: DataView
  readonly #bytes: Uint8Array
  readonly #fileSize: number

  constructor(bytes: Uint8Array, fileSize: number) {
    this.#bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.#fileSize = fileSize
  }

  #need(n: number): number {
    const at = this.at
    if (at + n > this.#fileSize) throw new InvalidGgufError(`truncated: the header runs past byte ${this.#fileSize}`)
    if (at + n > this.#bytes.byteLength) throw new MoreBytesNeeded(at + n)
    this.at += n
    return at
  }

  u32(): number {
    return this.#view.getUint32(this.#need(4), true)
  }

  /** A u64 that must be a safe integer. */
  u64n(what: string): number {
    const v = this.#view.getBigUint64(this.#need(8), true)
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidGgufError(`${what} ${v} is too large`)
    return Number(v)
  }

  /** A u64 count of items at least `minBytes` each, which must fit in the rest of the file. */
  count(what: string, minBytes: number): number {
    const n = this.u64n(what)
    if (n * minBytes > this.#fileSize - this.at) throw new InvalidGgufError(`${what} ${n} cannot fit in the file`)
    return n
  }

  string(): string {
    const n = this.count('string length', 1)
    const at = this.#need(n)
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.#bytes.subarray(at, at + n))
    } catch (err) {
      throw new InvalidGgufError('a string is not UTF-8', { cause: err })
    }
  }

  value(type: number, depth: number): GgufValue {
    const v = this.#view
    switch (type) {
      case ValueType.U8:
        return v.getUint8(this.#need(1))
      case ValueType.I8:
        return v.getInt8(this.#need(1))
      case ValueType.U16:
        return v.getUint16(this.#need(2), true)
      case ValueType.I16:
        return v.getInt16(this.#need(2), true)
      case ValueType.U32:
        return v.getUint32(this.#need(4), true)
      case ValueType.I32:
        return v.getInt32(this.#need(4), true)
      case ValueType.F32:
        return v.getFloat32(this.#need(4), true)
      case ValueType.BOOL:
        return v.getUint8(this.#need(1)) !== 0
      case ValueType.STRING:
        return this.string()
      case ValueType.U64:
        return v.getBigUint64(this.#need(8), true)
      case ValueType.I64:
        return v.getBigInt64(this.#need(8), true)
      case ValueType.F64:
        return v.getFloat64(this.#need(8), true)
      case ValueType.ARRAY: {
        if (depth > 4) throw new InvalidGgufError('arrays nested too deep')
        const inner = this.u32()
        const n = this.count('array length', 1)
        const out: GgufValue[] = []
        for (let i = 0; i < n; i++) out.push(this.value(inner, depth + 1))
        return out
      }
      default:
        throw new InvalidGgufError(`unknown metadata value type ${type}`)
    }
  }
}
