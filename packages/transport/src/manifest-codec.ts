/**
 * Encoding, decoding and validation of TensorManifest blocks (DAG-CBOR, sha2-256, CIDv1). Every manifest that comes
 * from a blockstore or a peer passes through `decodeManifest`, which checks the hash (when given the CID) and every
 * field, so readers can trust `chunks.length`, `chunkSize` and `byteLength` before allocating anything.
 */
import { cidOf, DTYPES, elementCount, InvalidTensorError, isDType, verifyBlock } from '@ipfrs/core'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { InvalidManifestError } from './errors.js'
import type { TensorEncoding, TensorManifest } from './manifest.js'

/** The multicodec of manifest blocks (dag-cbor). */
export const MANIFEST_CODEC = dagCbor.code
/** The multicodec every chunk CID must have (raw). */
export const CHUNK_CODEC = 0x55
/** Largest chunk size a manifest may declare (64 MiB), so a hostile manifest cannot force a huge allocation. */
export const MAX_CHUNK_SIZE = 64 * 1024 * 1024
/** Default chunk size of the tensor store (1 MiB). */
export const DEFAULT_CHUNK_SIZE = 1024 * 1024

const ENCODINGS: ReadonlySet<string> = new Set<TensorEncoding>(['arrow-ipc', 'raw', 'bytes', 'unixfs'])
const SHA2_256 = 0x12

/** A manifest and its block: what `encodeManifest` returns. */
export interface EncodedManifest {
  readonly cid: CID
  readonly bytes: Uint8Array
}

/** Validates `m` and encodes it as a DAG-CBOR block; returns its CIDv1 (dag-cbor, sha2-256) and bytes. */
export function encodeManifest(m: TensorManifest): EncodedManifest {
  const value = validateManifest(m)
  const clean: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (v !== undefined) clean[k] = v
  const bytes = dagCbor.encode(clean)
  return { cid: cidOf(bytes, MANIFEST_CODEC), bytes }
}

/**
 * Decodes and validates a manifest block. With `cid`, first checks that it is a dag-cbor CID and that the bytes hash
 * to it (`ERR_BLOCK_HASH_MISMATCH`). Anything malformed throws `InvalidManifestError` (`ERR_INVALID_MANIFEST`).
 */
export function decodeManifest(bytes: Uint8Array, cid?: CID): TensorManifest {
  if (cid != null) {
    if (cid.code !== MANIFEST_CODEC)
      throw new InvalidManifestError('cid', `codec 0x${cid.code.toString(16)} is not dag-cbor (0x71)`)
    verifyBlock(cid, bytes)
  }
  let value: unknown
  try {
    value = dagCbor.decode(bytes)
  } catch (err) {
    throw new InvalidManifestError('block', 'not DAG-CBOR', { cause: err })
  }
  return validateManifest(value)
}

/** Checks every field of a would-be manifest; returns it typed, or throws `InvalidManifestError`. */
export function validateManifest(value: unknown): TensorManifest {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidManifestError('block', 'not a map')
  const m = value as Record<string, unknown>
  if (m.type !== 'ipfrs/tensor') throw new InvalidManifestError('type', `expected 'ipfrs/tensor', got ${show(m.type)}`)
  if (m.version !== 1) throw new InvalidManifestError('version', `unsupported version ${show(m.version)}`)
  if (m.name !== undefined && typeof m.name !== 'string') throw new InvalidManifestError('name', 'not a string')
  if (typeof m.encoding !== 'string' || !ENCODINGS.has(m.encoding))
    throw new InvalidManifestError('encoding', `unknown encoding ${show(m.encoding)}`)
  if (!isDType(m.dtype)) throw new InvalidManifestError('dtype', `unknown dtype ${show(m.dtype)}`)
  const shape = intArray(m.shape, 'shape')
  const strides = intArray(m.strides, 'strides')
  if (strides.length !== shape.length)
    throw new InvalidManifestError('strides', `${strides.length} strides for ${shape.length} dimensions`)
  let elements: number
  try {
    elements = elementCount(shape)
  } catch (err) {
    if (err instanceof InvalidTensorError) throw new InvalidManifestError('shape', err.message, { cause: err })
    throw err
  }
  const byteLength = m.byteLength
  if (!isNonNegativeInt(byteLength)) throw new InvalidManifestError('byteLength', `${show(byteLength)} is not a size`)
  const dataBytes = elements * DTYPES[m.dtype].bytes
  const encoding = m.encoding as TensorEncoding
  if (encoding === 'raw' && byteLength !== dataBytes)
    throw new InvalidManifestError('byteLength', `${byteLength} bytes for ${dataBytes} bytes of ${m.dtype}[${shape}]`)
  if (encoding === 'arrow-ipc' && byteLength < dataBytes)
    throw new InvalidManifestError('byteLength', `${byteLength} bytes cannot hold ${dataBytes} bytes of elements`)
  if (
    (encoding === 'bytes' || encoding === 'unixfs') &&
    (m.dtype !== 'U8' || shape.length !== 1 || shape[0] !== byteLength)
  )
    throw new InvalidManifestError('shape', `a 'bytes' manifest is U8[byteLength]`)
  const chunkSize = m.chunkSize
  if (!isNonNegativeInt(chunkSize) || chunkSize === 0 || chunkSize > MAX_CHUNK_SIZE)
    throw new InvalidManifestError('chunkSize', `${show(chunkSize)} is not in 1..${MAX_CHUNK_SIZE}`)
  if (!Array.isArray(m.chunks)) throw new InvalidManifestError('chunks', 'not a list')
  const expected = Math.ceil(byteLength / chunkSize)
  if (m.chunks.length !== expected)
    throw new InvalidManifestError('chunks', `${m.chunks.length} chunks, ${byteLength}/${chunkSize} needs ${expected}`)
  for (const [i, c] of m.chunks.entries()) {
    const cid = CID.asCID(c)
    if (cid == null) throw new InvalidManifestError(`chunks[${i}]`, 'not a CID')
    if (encoding === 'unixfs' ? !isLeafCodec(cid) : cid.version !== 1 || cid.code !== CHUNK_CODEC)
      throw new InvalidManifestError(`chunks[${i}]`, 'not a CIDv1 with the raw codec (or, for unixfs, a dag-pb leaf)')
    if (cid.multihash.code !== SHA2_256 || cid.multihash.size !== 32)
      throw new InvalidManifestError(`chunks[${i}]`, 'multihash is not sha2-256')
  }
  if (m.meta !== undefined) {
    if (m.meta === null || typeof m.meta !== 'object' || Array.isArray(m.meta))
      throw new InvalidManifestError('meta', 'not a map')
    for (const [k, v] of Object.entries(m.meta))
      if (typeof v !== 'string') throw new InvalidManifestError(`meta.${k}`, 'not a string')
  }
  return value as TensorManifest
}

/** Byte offset and length of chunk `index` of `m` (every chunk is `chunkSize` bytes but the last). */
export function chunkRange(m: TensorManifest, index: number): { offset: number; length: number } {
  if (!Number.isInteger(index) || index < 0 || index >= m.chunks.length)
    throw new InvalidManifestError('chunks', `no chunk ${index} of ${m.chunks.length}`)
  const offset = index * m.chunkSize
  return { offset, length: Math.min(m.chunkSize, m.byteLength - offset) }
}

/** The multicodec of UnixFS dag-pb nodes. */
export const DAG_PB_CODEC = 0x70

/** Whether `cid` can name a UnixFS file leaf: raw, or dag-pb (CIDv0 or v1). */
function isLeafCodec(cid: CID): boolean {
  return cid.code === CHUNK_CODEC || cid.code === DAG_PB_CODEC
}

function intArray(v: unknown, field: string): number[] {
  if (!Array.isArray(v)) throw new InvalidManifestError(field, 'not a list')
  for (const [i, d] of v.entries())
    if (!isNonNegativeInt(d))
      throw new InvalidManifestError(`${field}[${i}]`, `${show(d)} is not a non-negative integer`)
  return v as number[]
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? `'${v}'` : String(v)
  return s.length > 60 ? `${s.slice(0, 60)}…` : s
}
