/**
 * Tensors as Apache Arrow: the dtype ↔ typed array ↔ Arrow type mapping, one-column Arrow IPC stream encoding, and
 * zero-copy views (typed array or Table) over bytes already in memory. F16 maps to Arrow Float16 (values are a
 * Uint16Array); BF16 and BOOL have no matching Arrow type with the same bytes, so they are stored as Uint16 / Uint8 and
 * the dtype is kept in the field metadata (`ipfrs.dtype`) and in the manifest.
 */

import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { DTYPES, type DType } from '@ipfrs/core'
import type * as Arrow from 'apache-arrow'
import type { DataType, Field, Float32, Int32, Table, Vector } from 'apache-arrow'
import { InvalidManifestError, InvalidTensorInputError } from './errors.js'

// apache-arrow (~20 MiB resident) is loaded on the first tensor encode/decode, not when the package is imported, so a
// daemon that never touches a tensor does not hold it. It is required by its ESM entry, the same module instance an
// `import 'apache-arrow'` elsewhere gets (its classes are checked with instanceof).
let loaded: typeof Arrow | undefined
const arrow = (): typeof Arrow =>
  (loaded ??= createRequire(import.meta.url)(fileURLToPath(import.meta.resolve('apache-arrow'))) as typeof Arrow)

/** Any JS typed array a tensor's elements can live in. */
export type TensorTypedArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array

type TypedCtor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorTypedArray }

/** The JS typed array class that holds each dtype's elements (F16/BF16 → Uint16Array, BOOL → Uint8Array). */
export const TYPED_ARRAY_OF: Readonly<Record<DType, TypedCtor>> = {
  F64: Float64Array,
  F32: Float32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I64: BigInt64Array,
  I32: Int32Array,
  I16: Int16Array,
  I8: Int8Array,
  U64: BigUint64Array,
  U32: Uint32Array,
  U16: Uint16Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
}

/** The metadata key on the Arrow field that records the tensor's dtype. */
export const DTYPE_METADATA_KEY = 'ipfrs.dtype'

/**
 * The dtype of a typed array. Uint16Array and Uint8Array are ambiguous: `hint` may say F16/BF16 or BOOL; any other
 * hint that disagrees with the array type throws `InvalidTensorInputError`.
 */
export function dtypeOfTypedArray(values: ArrayBufferView, hint?: DType): DType {
  const natural = naturalDType(values)
  if (natural == null) throw new InvalidTensorInputError(`${values.constructor.name} is not a tensor typed array`)
  if (hint === undefined || hint === natural) return natural
  if (TYPED_ARRAY_OF[hint] === TYPED_ARRAY_OF[natural]) return hint
  throw new InvalidTensorInputError(`dtype ${hint} does not match a ${values.constructor.name}`)
}

function naturalDType(v: ArrayBufferView): DType | undefined {
  if (v instanceof Float64Array) return 'F64'
  if (v instanceof Float32Array) return 'F32'
  if (v instanceof BigInt64Array) return 'I64'
  if (v instanceof Int32Array) return 'I32'
  if (v instanceof Int16Array) return 'I16'
  if (v instanceof Int8Array) return 'I8'
  if (v instanceof BigUint64Array) return 'U64'
  if (v instanceof Uint32Array) return 'U32'
  if (v instanceof Uint16Array) return 'U16'
  if (v instanceof Uint8Array || v instanceof Uint8ClampedArray) return 'U8'
  return undefined
}

/** A typed-array view (no copy) of `length` elements of `dtype` at `byteOffset` in `buffer`. */
export function typedView(dtype: DType, buffer: ArrayBufferLike, byteOffset: number, length: number): TensorTypedArray {
  const Ctor = TYPED_ARRAY_OF[dtype]
  if (byteOffset % DTYPES[dtype].bytes !== 0)
    throw new InvalidTensorInputError(`offset ${byteOffset} is not aligned for ${dtype}`)
  return new Ctor(buffer, byteOffset, length)
}

/** The Arrow type that stores `dtype`'s bytes unchanged. */
export function arrowTypeOf(dtype: DType): DataType {
  const A = arrow()
  switch (dtype) {
    case 'F64':
      return new A.Float64()
    case 'F32':
      return new A.Float32()
    case 'F16':
      return new A.Float16()
    case 'I64':
      return new A.Int64()
    case 'I32':
      return new A.Int32()
    case 'I16':
      return new A.Int16()
    case 'I8':
      return new A.Int8()
    case 'U64':
      return new A.Uint64()
    case 'U32':
      return new A.Uint32()
    case 'BF16':
    case 'U16':
      return new A.Uint16()
    case 'U8':
    case 'BOOL':
      return new A.Uint8()
  }
}

/** The dtype of a fixed-width Arrow type (Float16/32/64, Int8..64, Uint8..64), or undefined for anything else. */
export function dtypeOfArrowType(type: DataType): DType | undefined {
  if (type.typeId === arrow().Type.Float) {
    const bits = { 0: 'F16', 1: 'F32', 2: 'F64' } as const
    return bits[(type as Float32).precision as 0 | 1 | 2]
  }
  if (type.typeId === arrow().Type.Int) {
    const t = type as Int32
    const name = `${t.isSigned ? 'I' : 'U'}${t.bitWidth}`
    return name in DTYPES ? (name as DType) : undefined
  }
  return undefined
}

/** A one-column Table whose column is a zero-copy view over `values` (the dtype goes into the field metadata). */
export function tableOfTyped(values: TensorTypedArray, dtype: DType, name = 'tensor'): Table {
  const { Field, makeData, RecordBatch, Schema, Struct, Table } = arrow()
  const type = arrowTypeOf(dtype)
  const field = new Field(name, type, false, new Map([[DTYPE_METADATA_KEY, dtype]]))
  const schema = new Schema([field])
  const data = makeData({ type, length: values.length, nullCount: 0, data: values } as never)
  const struct = makeData({ type: new Struct(schema.fields), length: values.length, nullCount: 0, children: [data] })
  return new Table(schema, [new RecordBatch(schema, struct)])
}

/** Encodes `values` as an Arrow IPC stream of one column (one record batch). */
export function encodeArrowIpc(values: TensorTypedArray, dtype: DType, name = 'tensor'): Uint8Array {
  return arrow().tableToIPC(tableOfTyped(values, dtype, name), 'stream')
}

/** Reads an Arrow IPC stream; the Table's buffers are views over `bytes` (no copy). Bad bytes → InvalidManifestError. */
export function decodeArrowIpc(bytes: Uint8Array): Table {
  try {
    return arrow().tableFromIPC(bytes)
  } catch (err) {
    throw new InvalidManifestError('chunks', 'the bytes are not an Arrow IPC stream', { cause: err })
  }
}

/**
 * The elements of a one-column, one-batch, null-free Table as a typed-array view over the Table's own buffer (no
 * copy). The dtype comes from the field metadata when present (BF16, BOOL), else from the Arrow type.
 */
export function columnView(table: Table): { values: TensorTypedArray; dtype: DType } {
  if (table.numCols !== 1) throw new InvalidTensorInputError(`a tensor Table has one column, not ${table.numCols}`)
  const field = table.schema.fields[0] as Field
  const meta = field.metadata.get(DTYPE_METADATA_KEY)
  const natural = dtypeOfArrowType(field.type)
  if (natural == null) throw new InvalidTensorInputError(`Arrow type ${field.type} is not a fixed-width number`)
  const dtype = meta !== undefined && meta in DTYPES ? (meta as DType) : natural
  if (TYPED_ARRAY_OF[dtype] !== TYPED_ARRAY_OF[natural])
    throw new InvalidTensorInputError(`field metadata dtype ${dtype} does not match Arrow type ${field.type}`)
  const column = table.getChildAt(0)
  if (column == null) throw new InvalidTensorInputError('the Table has no column')
  return vectorView(column, dtype)
}

/**
 * The elements of a null-free numeric Arrow Vector as a typed-array view over its buffer (no copy when the Vector has
 * one chunk; a Vector of several chunks has no single view, so its elements are concatenated into a new array).
 */
export function vectorView(vector: Vector, dtype?: DType): { values: TensorTypedArray; dtype: DType } {
  const natural = dtypeOfArrowType(vector.type)
  if (natural == null) throw new InvalidTensorInputError(`Arrow type ${vector.type} is not a fixed-width number`)
  const d = dtype ?? natural
  if (vector.nullCount > 0) throw new InvalidTensorInputError('a tensor column has no nulls')
  if (vector.data.length === 0) return { values: typedView(d, new ArrayBuffer(0), 0, 0), dtype: d }
  if (vector.data.length > 1) return { values: vector.toArray() as TensorTypedArray, dtype: d }
  const data = vector.data[0] as unknown as { values: TensorTypedArray; offset: number; length: number }
  return { values: data.values.subarray(data.offset, data.offset + data.length) as TensorTypedArray, dtype: d }
}
