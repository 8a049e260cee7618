import { thrownCode as codeOf } from '@ipfrs/test-utils'
import {
  Uint8 as ArrowUint8,
  Float16,
  Int64,
  RecordBatchReader,
  Table,
  tableFromArrays,
  tableFromIPC,
  tableToIPC,
  Uint16,
  Utf8,
} from 'apache-arrow'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { describe, expect, it } from 'vitest'
import {
  arrowTypeOf,
  columnView,
  DTYPE_METADATA_KEY,
  decodeArrowIpc,
  dtypeOfArrowType,
  encodeArrowIpc,
  TensorStore,
  tableOfTyped,
  typedView,
} from '../src/index.js'

describe('Arrow tensors', () => {
  it('writes a standard one-column Arrow IPC stream that stock apache-arrow reads', async () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => i * 0.5)
    const ipc = encodeArrowIpc(values, 'F32', 'weights')
    const reader = RecordBatchReader.from(ipc)
    const batches = [...reader]
    expect(batches.length).toBe(1)
    const schema = batches[0]?.schema
    expect(schema?.fields.map((f) => f.name)).toEqual(['weights'])
    expect(schema?.fields[0]?.metadata.get(DTYPE_METADATA_KEY)).toBe('F32')
    const col = tableFromIPC(ipc).getChild('weights')
    expect(col?.get(3)).toBe(1.5)
    expect(col?.toArray()).toEqual(values)
  })

  it('reads tensors from Tables that stock apache-arrow wrote', async () => {
    const ipc = tableToIPC(tableFromArrays({ x: Int32Array.from([5, 6, 7]) }), 'stream')
    const { values, dtype } = columnView(decodeArrowIpc(ipc))
    expect(dtype).toBe('I32')
    expect(Array.from(values as Int32Array)).toEqual([5, 6, 7])
  })

  it('maps dtypes to Arrow types that keep the bytes', () => {
    expect(arrowTypeOf('F16')).toBeInstanceOf(Float16)
    expect(arrowTypeOf('BF16')).toBeInstanceOf(Uint16)
    expect(arrowTypeOf('BOOL')).toBeInstanceOf(ArrowUint8)
    expect(arrowTypeOf('I64')).toBeInstanceOf(Int64)
    for (const d of ['F64', 'F32', 'F16', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8'] as const)
      expect(dtypeOfArrowType(arrowTypeOf(d))).toBe(d)
    expect(dtypeOfArrowType(new Utf8())).toBeUndefined()
  })

  it('F16 is a real Arrow Float16 column: Arrow decodes the half floats', async () => {
    // 1.0, -2.0, 0.5 as IEEE half floats
    const halves = Uint16Array.of(0x3c00, 0xc000, 0x3800)
    const store = new TensorStore({ blockstore: new MemoryBlockstore() })
    const cid = await store.putTensor(halves, { dtype: 'F16' })
    const { data } = await store.getTensor(cid, { as: 'arrow' })
    expect(data.getChildAt(0)?.toArray()).toEqual(halves)
    expect([0, 1, 2].map((i) => data.getChildAt(0)?.get(i))).toEqual([1, -2, 0.5])
    const typed = await store.getTensor(cid)
    expect(typed.dtype).toBe('F16')
    expect(typed.data).toBeInstanceOf(Uint16Array)
  })

  it('keeps BF16 and BOOL in the field metadata', () => {
    const t = decodeArrowIpc(encodeArrowIpc(Uint16Array.of(0x3f80, 0x4000), 'BF16'))
    expect(columnView(t).dtype).toBe('BF16')
    expect(columnView(decodeArrowIpc(encodeArrowIpc(Uint8Array.of(1, 0), 'BOOL'))).dtype).toBe('BOOL')
  })

  it('tableOfTyped builds a zero-copy Table over the typed array', () => {
    const values = Float64Array.of(1, 2, 3, 4)
    const t = tableOfTyped(values, 'F64', 'x')
    expect(t).toBeInstanceOf(Table)
    const view = columnView(t).values
    expect(view.buffer).toBe(values.buffer)
    values[0] = 9
    expect(t.getChild('x')?.get(0)).toBe(9)
  })

  it('typedView refuses misaligned offsets with a typed error', () => {
    const buf = new ArrayBuffer(16)
    expect(typedView('F32', buf, 4, 2)).toBeInstanceOf(Float32Array)
    expect(codeOf(() => typedView('F32', buf, 2, 2))).toBe('ERR_INVALID_TENSOR_INPUT')
  })

  it('bad IPC bytes and unsupported columns give typed errors', () => {
    expect(codeOf(() => columnView(decodeArrowIpc(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9))))).toBe(
      'ERR_INVALID_MANIFEST',
    )
    const strings = tableFromArrays({ s: ['a', 'b'] as unknown as Int32Array })
    expect(codeOf(() => columnView(strings))).toBe('ERR_INVALID_TENSOR_INPUT')
    const two = tableFromArrays({ a: Int8Array.of(1), b: Int8Array.of(2) })
    expect(codeOf(() => columnView(two))).toBe('ERR_INVALID_TENSOR_INPUT')
  })
})
