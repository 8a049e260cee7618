import { InvalidTensorError } from './errors.js'

/** Element types a tensor may hold, with the names safetensors and numpy use. */
export const DTYPES = {
  F64: { bytes: 8 },
  F32: { bytes: 4 },
  F16: { bytes: 2 },
  BF16: { bytes: 2 },
  I64: { bytes: 8 },
  I32: { bytes: 4 },
  I16: { bytes: 2 },
  I8: { bytes: 1 },
  U64: { bytes: 8 },
  U32: { bytes: 4 },
  U16: { bytes: 2 },
  U8: { bytes: 1 },
  BOOL: { bytes: 1 },
} as const

export type DType = keyof typeof DTYPES

/** A tensor's shape: one non-negative integer per dimension (`[]` for a scalar). */
export type Shape = readonly number[]

/** What describes a tensor's bytes without holding them. */
export interface TensorInfo {
  readonly dtype: DType
  readonly shape: Shape
  /** Element strides, row-major (C order) when omitted. */
  readonly strides?: readonly number[]
}

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.hasOwn(DTYPES, value)
}

/** Number of elements in a tensor of `shape`; validates the shape. */
export function elementCount(shape: Shape): number {
  let n = 1
  for (const [i, d] of shape.entries()) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new InvalidTensorError(`dimension ${i} is ${d}, not a non-negative integer`)
    n *= d
  }
  if (!Number.isSafeInteger(n)) throw new InvalidTensorError(`shape [${shape.join(', ')}] has too many elements`)
  return n
}

/** Byte length of a dense tensor; validates dtype and shape. */
export function byteLength(info: TensorInfo): number {
  if (!isDType(info.dtype)) throw new InvalidTensorError(`unknown dtype ${String(info.dtype)}`)
  return elementCount(info.shape) * DTYPES[info.dtype].bytes
}

/** Row-major (C order) element strides for `shape`. */
export function rowMajorStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length)
  let stride = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride
    stride *= shape[i]!
  }
  return strides
}
