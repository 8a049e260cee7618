/**
 * TensorStore: tensors and opaque blobs as content in any Blockstore. A tensor is stored as an Arrow IPC stream of one
 * column, cut into raw sha2-256 chunks listed by a DAG-CBOR TensorManifest; reading it back assembles the chunks into
 * one buffer (each chunk copied once and hash-verified) and returns zero-copy views over that buffer.
 */
import { DTYPES, type DType, elementCount, InvalidTensorError, isDType, rowMajorStrides } from '@ipfrs/core'
import type { Table, Vector } from 'apache-arrow'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import {
  columnView,
  decodeArrowIpc,
  dtypeOfTypedArray,
  encodeArrowIpc,
  type TensorTypedArray,
  tableOfTyped,
  typedView,
  vectorView,
} from './arrow-tensor.js'
import { type AbortOptions, assembleChunks, putChunks, readBlock } from './chunking.js'
import { InvalidTensorInputError, WrongEncodingError } from './errors.js'
import type { TensorEncoding, TensorManifest } from './manifest.js'
import { DEFAULT_CHUNK_SIZE, decodeManifest, encodeManifest } from './manifest-codec.js'

/** What describes a tensor being stored; everything is optional. */
export interface PutTensorOptions extends AbortOptions {
  name?: string
  /** Defaults to `[length]`; its element count must equal the input's. */
  shape?: readonly number[]
  /** Defaults to row-major strides of `shape`. */
  strides?: readonly number[]
  /** Bytes per chunk (default 1 MiB). */
  chunkSize?: number
  /** Needed only to tell F16/BF16 (from a Uint16Array) or BOOL (from a Uint8Array); otherwise taken from the input. */
  dtype?: DType
  /** Free-form string metadata kept in the manifest. */
  meta?: Record<string, string>
}

/** A tensor read back: the elements (a typed array or a Table, views over one buffer) and what describes them. */
export interface LoadedTensor<T> {
  readonly data: T
  /** The real element type (a Uint16Array `data` may hold F16 or BF16; a Uint8Array may hold BOOL). */
  readonly dtype: DType
  readonly shape: readonly number[]
  readonly strides: readonly number[]
  readonly name?: string
  readonly manifest: TensorManifest
}

/** How getTensor returns the elements. */
export interface GetTensorOptions extends AbortOptions {
  as?: 'typed' | 'arrow'
}

/** Stores and loads tensors and blobs as content-addressed chunks plus a manifest, in the given blockstore. */
export class TensorStore {
  readonly blockstore: Blockstore

  constructor(init: { blockstore: Blockstore }) {
    this.blockstore = init.blockstore
  }

  /** Stores a typed array, or a one-column Arrow Table or a Vector, as an Arrow IPC stream; returns the manifest CID. */
  async putTensor(input: ArrayBufferView | Table | Vector, options: PutTensorOptions = {}): Promise<CID> {
    const { values, dtype } = tensorInput(input, options.dtype)
    const { shape, strides } = layout(values.length, options.shape, options.strides)
    const name = options.name ?? 'tensor'
    const ipc = encodeArrowIpc(values, dtype, name)
    return this.putEncoded(ipc, 'arrow-ipc', dtype, shape, strides, options)
  }

  /**
   * Stores bytes that already are a tensor's little-endian elements (encoding 'raw'), e.g. a safetensors tensor.
   * `dtype` and `shape` are required and must match `bytes.byteLength`.
   */
  async putRawTensor(
    bytes: Uint8Array,
    options: PutTensorOptions & { dtype: DType; shape: readonly number[] },
  ): Promise<CID> {
    if (!isDType(options.dtype)) throw new InvalidTensorInputError(`unknown dtype ${String(options.dtype)}`)
    const width = DTYPES[options.dtype].bytes
    if (bytes.byteLength % width !== 0)
      throw new InvalidTensorInputError(`${bytes.byteLength} bytes is not a whole number of ${options.dtype}`)
    const { shape, strides } = layout(bytes.byteLength / width, options.shape, options.strides)
    return this.putEncoded(bytes, 'raw', options.dtype, shape, strides, options)
  }

  /** Stores opaque bytes (encoding 'bytes', dtype U8, shape [n]); returns the manifest CID. */
  async putBytes(bytes: Uint8Array, options: { name?: string; chunkSize?: number } & AbortOptions = {}): Promise<CID> {
    if (!(bytes instanceof Uint8Array)) throw new InvalidTensorInputError('putBytes takes a Uint8Array')
    return this.putEncoded(bytes, 'bytes', 'U8', [bytes.byteLength], [1], options)
  }

  /** Loads and validates a manifest (hash-checked against `cid`). */
  async getManifest(cid: CID, options: AbortOptions = {}): Promise<TensorManifest> {
    return decodeManifest(await readBlock(this.blockstore, cid, options), cid)
  }

  /** The stored bytes of any manifest, reassembled into one buffer and hash-verified chunk by chunk. */
  async getBytes(cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    return assembleChunks(this.blockstore, await this.getManifest(cid, options), options)
  }

  /** Loads a tensor as a typed array (default) that is a view over the reassembled buffer. */
  getTensor(cid: CID, options?: GetTensorOptions & { as?: 'typed' }): Promise<LoadedTensor<TensorTypedArray>>
  /** Loads a tensor as a one-column Arrow Table whose buffers are views over the reassembled buffer. */
  getTensor(cid: CID, options: GetTensorOptions & { as: 'arrow' }): Promise<LoadedTensor<Table>>
  async getTensor(cid: CID, options: GetTensorOptions = {}): Promise<LoadedTensor<TensorTypedArray | Table>> {
    const manifest = await this.getManifest(cid, options)
    if (manifest.encoding === 'bytes') throw new WrongEncodingError(cid.toString(), 'bytes', "'arrow-ipc' or 'raw'")
    const bytes = await assembleChunks(this.blockstore, manifest, options)
    const count = elementCount(manifest.shape)
    let values: TensorTypedArray
    let table: Table | undefined
    if (manifest.encoding === 'arrow-ipc') {
      table = decodeArrowIpc(bytes)
      const col = columnView(table)
      if (col.values.length !== count)
        throw new InvalidTensorError(`Arrow column has ${col.values.length} elements, shape needs ${count}`)
      if (col.dtype !== manifest.dtype && DTYPES[col.dtype].bytes !== DTYPES[manifest.dtype].bytes)
        throw new InvalidTensorError(`Arrow column holds ${col.dtype}, manifest says ${manifest.dtype}`)
      values = col.values
    } else {
      values = typedView(manifest.dtype, bytes.buffer, 0, count)
    }
    const data = options.as === 'arrow' ? (table ?? tableOfTyped(values, manifest.dtype, manifest.name)) : values
    return {
      data,
      dtype: manifest.dtype,
      shape: manifest.shape,
      strides: manifest.strides,
      ...(manifest.name !== undefined ? { name: manifest.name } : {}),
      manifest,
    }
  }

  private async putEncoded(
    bytes: Uint8Array,
    encoding: TensorEncoding,
    dtype: DType,
    shape: readonly number[],
    strides: readonly number[],
    options: { name?: string; chunkSize?: number; meta?: Record<string, string> } & AbortOptions,
  ): Promise<CID> {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE
    const chunks = await putChunks(this.blockstore, bytes, chunkSize, options)
    const manifest: TensorManifest = {
      type: 'ipfrs/tensor',
      version: 1,
      ...(options.name !== undefined ? { name: options.name } : {}),
      encoding,
      dtype,
      shape: [...shape],
      strides: [...strides],
      byteLength: bytes.byteLength,
      chunkSize,
      chunks,
      ...(options.meta !== undefined ? { meta: { ...options.meta } } : {}),
    }
    const block = encodeManifest(manifest)
    await this.blockstore.put(block.cid, block.bytes, options)
    return block.cid
  }
}

/** The elements and dtype of a typed array, Arrow Vector or one-column Arrow Table. */
function tensorInput(input: unknown, hint?: DType): { values: TensorTypedArray; dtype: DType } {
  if (hint !== undefined && !isDType(hint)) throw new InvalidTensorInputError(`unknown dtype ${String(hint)}`)
  if (ArrayBuffer.isView(input) && !(input instanceof DataView)) {
    const dtype = dtypeOfTypedArray(input, hint)
    const v = input instanceof Uint8ClampedArray ? new Uint8Array(input.buffer, input.byteOffset, input.length) : input
    return { values: v as TensorTypedArray, dtype }
  }
  if (isArrowTable(input)) return withHint(columnView(input), hint)
  if (isArrowVector(input)) return withHint(vectorView(input), hint)
  throw new InvalidTensorInputError('expected a typed array, an Arrow Table or an Arrow Vector')
}

function withHint(
  v: { values: TensorTypedArray; dtype: DType },
  hint?: DType,
): { values: TensorTypedArray; dtype: DType } {
  return hint === undefined ? v : { values: v.values, dtype: dtypeOfTypedArray(v.values, hint) }
}

function isArrowTable(x: unknown): x is Table {
  return x != null && typeof x === 'object' && 'schema' in x && 'batches' in x && 'getChildAt' in x
}

function isArrowVector(x: unknown): x is Vector {
  return x != null && typeof x === 'object' && 'type' in x && 'data' in x && 'toArray' in x && !('schema' in x)
}

/** Validates (or defaults) shape and strides for `count` elements. */
function layout(
  count: number,
  shape: readonly number[] | undefined,
  strides: readonly number[] | undefined,
): { shape: readonly number[]; strides: readonly number[] } {
  const s = shape ?? [count]
  if (!Array.isArray(s)) throw new InvalidTensorInputError('shape is not an array')
  let n: number
  try {
    n = elementCount(s)
  } catch (err) {
    throw new InvalidTensorInputError((err as Error).message)
  }
  if (n !== count) throw new InvalidTensorInputError(`shape [${s.join(', ')}] holds ${n} elements, input has ${count}`)
  const st = strides ?? rowMajorStrides(s)
  if (!Array.isArray(st) || st.length !== s.length || !st.every((x) => Number.isSafeInteger(x) && x >= 0))
    throw new InvalidTensorInputError(`strides must be ${s.length} non-negative integers`)
  return { shape: s, strides: st }
}
