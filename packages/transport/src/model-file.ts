/**
 * A model file (safetensors or GGUF) stored once, as its UnixFS DAG: the file's CID is the model's handle. Its tensors
 * are byte ranges of the file, described by the header in the file's first bytes; `describeModelFile` reads just the
 * leaves that hold the header, `loadModelTensor` just the leaves that hold one tensor, into one buffer.
 */
import { DTYPES, type DType, elementCount, isDType } from '@ipfrs/core'
import type { Table } from 'apache-arrow'
import type { CID } from 'multiformats/cid'
import { type TensorTypedArray, tableOfTyped, typedView } from './arrow-tensor.js'
import type { AbortOptions } from './chunking.js'
import { InvalidSafetensorsError, NotAModelError, TensorNotFoundError, WrongEncodingError } from './errors.js'
import { type BlockGetter, fileIndex, readFileRange } from './file-index.js'
import { type GgufValue, isGguf, parseGguf } from './gguf.js'
import { MoreBytesNeeded } from './header-cursor.js'
import type { BlockFileLocator } from './leaf-files.js'
import type { TensorManifest } from './manifest.js'
import { parseSafetensorsHeader } from './safetensors.js'

/** Largest header read while looking for a model's tensors (256 MiB: a GGUF vocabulary is a few MiB). */
export const MAX_MODEL_HEADER = 256 * 1024 * 1024

/** One tensor of a model file: a byte range of it. */
export interface FileTensor {
  readonly name: string
  /** The safetensors dtype (F32, BF16, ...) or the GGUF ggml type (F32, Q4_K, ...). */
  readonly dtype: string
  /** Row-major dimensions. */
  readonly shape: readonly number[]
  /** Where the tensor's bytes start in the file. */
  readonly offset: number
  readonly byteLength: number
}

/** What a model file's header says. */
export interface ModelFile {
  readonly format: 'safetensors' | 'gguf'
  /** GGUF's version (safetensors has none). */
  readonly version?: number
  /** safetensors' `__metadata__` strings, or GGUF's metadata key/values. */
  readonly metadata: Readonly<Record<string, GgufValue>>
  /** Bytes before the data section (header and padding). */
  readonly headerLength: number
  /** Size of the whole file. */
  readonly byteLength: number
  /** The tensors, in file order. */
  readonly tensors: readonly FileTensor[]
}

/**
 * Parses a model file's header from its first bytes: GGUF when it starts with the GGUF magic, else safetensors.
 * Throws `MoreBytesNeeded` when `prefix` is too short, `NotAModelError` / `InvalidGgufError` /
 * `InvalidSafetensorsError` otherwise.
 */
export function parseModelHeader(prefix: Uint8Array, fileSize: number, label = 'file'): ModelFile {
  if (isGguf(prefix)) {
    const g = parseGguf(prefix, fileSize)
    return {
      format: 'gguf',
      version: g.version,
      metadata: g.metadata,
      headerLength: g.dataOffset,
      byteLength: fileSize,
      tensors: g.tensors.map((t) => ({ ...t, dtype: t.type })),
    }
  }
  if (prefix.byteLength < Math.min(9, fileSize)) throw new MoreBytesNeeded(9)
  if (fileSize < 9 || prefix[8] !== 0x7b)
    throw new NotAModelError(label, 'no GGUF magic and no safetensors JSON header')
  const s = parseSafetensorsHeader(prefix, fileSize)
  return {
    format: 'safetensors',
    metadata: s.metadata ?? {},
    headerLength: s.dataOffset,
    byteLength: fileSize,
    tensors: s.tensors.map((t) => ({
      name: t.name,
      dtype: t.dtype,
      shape: t.shape,
      offset: s.dataOffset + t.begin,
      byteLength: t.end - t.begin,
    })),
  }
}

/** Reads the header of the file `manifest` describes (a 'unixfs' manifest), leaf by leaf until it parses. */
export async function readModelHeader(
  get: BlockGetter,
  manifest: TensorManifest,
  options: AbortOptions & { label?: string } = {},
): Promise<ModelFile> {
  let want = Math.min(manifest.chunkSize, manifest.byteLength)
  for (;;) {
    const prefix = await readFileRange(get, manifest, 0, want, options)
    try {
      return parseModelHeader(prefix, manifest.byteLength, options.label)
    } catch (err) {
      if (!(err instanceof MoreBytesNeeded)) throw err
      const next = Math.min(manifest.byteLength, Math.max(err.bytes, want * 2))
      if (next <= want || next > MAX_MODEL_HEADER)
        throw new InvalidSafetensorsError(`a header of over ${want} bytes is more than this node reads`)
      want = next
    }
  }
}

/** A model file's tensor by name (`ERR_TENSOR_NOT_FOUND` when it has none of that name). */
export function findTensor(model: ModelFile, name: string, label = 'model'): FileTensor {
  const t = model.tensors.find((x) => x.name === name)
  if (t === undefined) throw new TensorNotFoundError(label, name)
  return t
}

/** The element type of a file tensor when it is one typed arrays hold (quantized GGUF types are not). */
export function plainDType(t: FileTensor): DType | undefined {
  return isDType(t.dtype) ? t.dtype : undefined
}

/** A tensor of a model file read into one buffer: the elements as a typed array or Arrow Table over it. */
export interface LoadedFileTensor<T> {
  readonly data: T
  readonly dtype: DType
  readonly shape: readonly number[]
  readonly name: string
}

/** Options of `loadModelTensor`. */
export interface LoadModelTensorOptions extends AbortOptions {
  as?: 'typed' | 'arrow'
  /** The file's manifest and header when the caller already has them (saves reading them again). */
  file?: { manifest: TensorManifest; model: ModelFile }
  /** A repo's block files, to read whole leaves straight into the result (see `readFileRange`). */
  files?: BlockFileLocator
  /** False: leaves read from `files` are not re-hashed (default true; see `readFileRange`). */
  verify?: boolean
}

/**
 * Loads tensor `name` of the model file at `root`: its bytes copied once out of the leaves that hold them (each
 * hash-verified) into one buffer, returned as a typed array (default) or a one-column Arrow Table over that buffer.
 * Quantized GGUF tensors have no typed array: `ERR_WRONG_ENCODING` (read their bytes with `readFileRange`).
 */
export async function loadModelTensor(
  get: BlockGetter,
  root: CID,
  name: string,
  options: LoadModelTensorOptions = {},
): Promise<LoadedFileTensor<TensorTypedArray | Table>> {
  const manifest = options.file?.manifest ?? (await fileIndex(get, root, options))
  const model = options.file?.model ?? (await readModelHeader(get, manifest, { ...options, label: root.toString() }))
  const t = findTensor(model, name, root.toString())
  const dtype = plainDType(t)
  if (dtype === undefined) throw new WrongEncodingError(`${root}/${name}`, t.dtype, 'a plain element type')
  const count = elementCount(t.shape)
  if (count * DTYPES[dtype].bytes !== t.byteLength)
    throw new WrongEncodingError(`${root}/${name}`, t.dtype, 'whole elements')
  const bytes = await readFileRange(get, manifest, t.offset, t.byteLength, options)
  const values = typedView(dtype, bytes.buffer, 0, count)
  const data = options.as === 'arrow' ? tableOfTyped(values, dtype, name) : values
  return { data, dtype, shape: t.shape, name }
}
