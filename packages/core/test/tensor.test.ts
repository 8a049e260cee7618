import { describe, expect, it } from 'vitest'
import { byteLength, elementCount, InvalidTensorError, isDType, rowMajorStrides } from '../src/index.js'

describe('tensor types', () => {
  it('computes element counts, byte lengths and row-major strides', () => {
    expect(elementCount([])).toBe(1)
    expect(elementCount([2, 3, 4])).toBe(24)
    expect(byteLength({ dtype: 'F32', shape: [2, 3] })).toBe(24)
    expect(byteLength({ dtype: 'BF16', shape: [10] })).toBe(20)
    expect(rowMajorStrides([2, 3, 4])).toEqual([12, 4, 1])
    expect(isDType('F16')).toBe(true)
    expect(isDType('float32')).toBe(false)
  })

  it('rejects bad shapes and dtypes with ERR_INVALID_TENSOR', () => {
    expect(() => elementCount([2, -1])).toThrow(InvalidTensorError)
    expect(() => elementCount([1.5])).toThrow(InvalidTensorError)
    expect(() => byteLength({ dtype: 'F128' as never, shape: [1] })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_TENSOR' }),
    )
    expect(() => elementCount([2 ** 40, 2 ** 20])).toThrow(InvalidTensorError)
  })
})
