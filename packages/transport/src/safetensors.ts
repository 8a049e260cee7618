/**
 * safetensors models as content. `parseSafetensors` reads the format (8-byte little-endian header length, a JSON
 * header `{name: {dtype, shape, data_offsets}}` with optional `__metadata__`, then the data) with strict validation;
 * `importSafetensors` stores each tensor as raw chunks with a TensorManifest plus a model manifest (DAG-CBOR) that
 * keeps the header text verbatim; `exportSafetensors` rebuilds the original file byte for byte.
 */
import { readFile } from 'node:fs/promises'
import { cidOf, DTYPES, type DType, elementCount, isDType, verifyBlock } from '@ipfrs/core'
import * as dagCbor from '@ipld/dag-cbor'
import type { Blockstore } from 'interface-blockstore'
import { CID } from 'multiformats/cid'
import { type AbortOptions, assembleChunks, readBlock } from './chunking.js'
import { InvalidManifestError, InvalidSafetensorsError } from './errors.js'
import { MoreBytesNeeded } from './header-cursor.js'
import type { TensorManifest } from './manifest.js'
import { MANIFEST_CODEC } from './manifest-codec.js'
import { TensorStore } from './tensor-store.js'

/** Largest header a file may declare (100 MB, the limit of the reference implementation). */
export const MAX_SAFETENSORS_HEADER = 100_000_000

/** One tensor entry of a safetensors header; `begin`/`end` are byte offsets into the data section. */
export interface SafetensorsEntry {
  readonly name: string
  readonly dtype: DType
  readonly shape: readonly number[]
  readonly begin: number
  readonly end: number
}

/** A parsed safetensors file: the verbatim header text, its entries in data order, metadata, and where data starts. */
export interface ParsedSafetensors {
  readonly headerText: string
  readonly tensors: readonly SafetensorsEntry[]
  readonly metadata?: Readonly<Record<string, string>>
  /** Byte offset of the data section in the file (8 + header length). */
  readonly dataOffset: number
}

/** The model manifest block (DAG-CBOR): what importSafetensors stores and exportSafetensors reads. */
export interface ModelManifest {
  readonly type: 'ipfrs/model'
  readonly version: 1
  readonly format: 'safetensors'
  readonly name?: string
  /** The header JSON exactly as it was in the file (including any trailing padding). */
  readonly header: string
  /** Tensor name → TensorManifest CID (encoding 'raw'). */
  readonly tensors: Readonly<Record<string, CID>>
  readonly metadata?: Readonly<Record<string, string>>
  /** Size of the whole file. */
  readonly byteLength: number
}

/** Parses and validates a whole safetensors file's header; throws `InvalidSafetensorsError` (`ERR_INVALID_SAFETENSORS`). */
export function parseSafetensors(file: Uint8Array): ParsedSafetensors {
  return parseSafetensorsHeader(file, file.byteLength)
}

/**
 * Parses the header of a safetensors file of `fileSize` bytes from its first bytes `prefix`; throws `MoreBytesNeeded`
 * when the header runs past `prefix`, `InvalidSafetensorsError` when it is malformed (offsets checked against the file).
 */
export function parseSafetensorsHeader(prefix: Uint8Array, fileSize: number): ParsedSafetensors {
  if (fileSize < 8) throw new InvalidSafetensorsError(`file of ${fileSize} bytes has no header length`)
  if (prefix.byteLength < 8) throw new MoreBytesNeeded(8)
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true)
  if (n > BigInt(MAX_SAFETENSORS_HEADER))
    throw new InvalidSafetensorsError(`header length ${n} exceeds ${MAX_SAFETENSORS_HEADER}`)
  const headerLength = Number(n)
  if (8 + headerLength > fileSize)
    throw new InvalidSafetensorsError(`header length ${headerLength} runs past the end of a ${fileSize}-byte file`)
  if (8 + headerLength > prefix.byteLength) throw new MoreBytesNeeded(8 + headerLength)
  let headerText: string
  let json: unknown
  try {
    headerText = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(prefix.subarray(8, 8 + headerLength))
    if (!headerText.startsWith('{')) throw new Error('the header does not start with "{"')
    json = JSON.parse(headerText)
  } catch (err) {
    throw new InvalidSafetensorsError(`header is not JSON: ${(err as Error).message}`, { cause: err })
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new InvalidSafetensorsError('header is not a JSON object')
  const dataLength = fileSize - 8 - headerLength
  const { tensors, metadata } = validateHeader(json as Record<string, unknown>, dataLength)
  return { headerText, tensors, ...(metadata ? { metadata } : {}), dataOffset: 8 + headerLength }
}

function validateHeader(
  json: Record<string, unknown>,
  dataLength: number,
): { tensors: SafetensorsEntry[]; metadata?: Record<string, string> } {
  let metadata: Record<string, string> | undefined
  const tensors: SafetensorsEntry[] = []
  for (const [name, info] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info))
        throw new InvalidSafetensorsError('__metadata__ is not an object')
      for (const [k, v] of Object.entries(info))
        if (typeof v !== 'string') throw new InvalidSafetensorsError(`__metadata__.${k} is not a string`)
      metadata = info as Record<string, string>
      continue
    }
    if (info === null || typeof info !== 'object' || Array.isArray(info))
      throw new InvalidSafetensorsError(`tensor "${name}" is not an object`)
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>
    if (!isDType(dtype)) throw new InvalidSafetensorsError(`tensor "${name}" has unknown dtype ${String(dtype)}`)
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw new InvalidSafetensorsError(`tensor "${name}" has a bad shape`)
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0))
      throw new InvalidSafetensorsError(`tensor "${name}" has bad data_offsets`)
    const [begin, end] = offsets as [number, number]
    if (begin > end || end > dataLength)
      throw new InvalidSafetensorsError(`tensor "${name}" offsets [${begin}, ${end}] are outside 0..${dataLength}`)
    let count: number
    try {
      count = elementCount(shape as number[])
    } catch (err) {
      throw new InvalidSafetensorsError(`tensor "${name}": ${(err as Error).message}`, { cause: err })
    }
    if (end - begin !== count * DTYPES[dtype].bytes)
      throw new InvalidSafetensorsError(
        `tensor "${name}" holds ${end - begin} bytes, ${dtype}[${shape.join(', ')}] needs ${count * DTYPES[dtype].bytes}`,
      )
    tensors.push({ name, dtype, shape: shape as number[], begin, end })
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end)
  let at = 0
  for (const t of tensors) {
    if (t.begin < at) throw new InvalidSafetensorsError(`tensor "${t.name}" overlaps the tensor before it`)
    if (t.begin > at) throw new InvalidSafetensorsError(`a gap of ${t.begin - at} bytes precedes tensor "${t.name}"`)
    at = t.end
  }
  if (at !== dataLength) throw new InvalidSafetensorsError(`${dataLength - at} bytes after the last tensor`)
  return { tensors, ...(metadata ? { metadata } : {}) }
}

/** What importSafetensors returns: the model manifest's CID and the manifest. */
export interface ImportedModel {
  readonly cid: CID
  readonly manifest: ModelManifest
}

/**
 * Stores a safetensors file (bytes or a path): each tensor as raw sha2-256 chunks with a TensorManifest (encoding
 * 'raw'), then the model manifest. Malformed files throw `InvalidSafetensorsError` before anything is stored.
 */
export async function importSafetensors(
  input: Uint8Array | string,
  blockstore: Blockstore,
  options: { name?: string; chunkSize?: number } & AbortOptions = {},
): Promise<ImportedModel> {
  const file = typeof input === 'string' ? new Uint8Array(await readFile(input)) : input
  if (!(file instanceof Uint8Array)) throw new InvalidSafetensorsError('input is neither bytes nor a path')
  const parsed = parseSafetensors(file)
  const store = new TensorStore({ blockstore })
  const tensors: Record<string, CID> = {}
  for (const t of parsed.tensors) {
    const bytes = file.subarray(parsed.dataOffset + t.begin, parsed.dataOffset + t.end)
    tensors[t.name] = await store.putRawTensor(bytes, {
      name: t.name,
      dtype: t.dtype,
      shape: t.shape,
      ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    })
  }
  const manifest: ModelManifest = {
    type: 'ipfrs/model',
    version: 1,
    format: 'safetensors',
    ...(options.name !== undefined ? { name: options.name } : {}),
    header: parsed.headerText,
    tensors,
    ...(parsed.metadata ? { metadata: parsed.metadata } : {}),
    byteLength: file.byteLength,
  }
  const bytes = dagCbor.encode(manifest)
  const cid = cidOf(bytes, MANIFEST_CODEC)
  await blockstore.put(cid, bytes, options)
  return { cid, manifest }
}

/** Loads and validates a model manifest (hash-checked); malformed ones throw `InvalidManifestError`. */
export async function getModelManifest(
  blockstore: Blockstore,
  cid: CID,
  options: AbortOptions = {},
): Promise<ModelManifest> {
  if (cid.code !== MANIFEST_CODEC) throw new InvalidManifestError('cid', 'a model manifest is dag-cbor')
  const bytes = await readBlock(blockstore, cid, options)
  verifyBlock(cid, bytes)
  let v: Record<string, unknown>
  try {
    v = dagCbor.decode(bytes)
  } catch (err) {
    throw new InvalidManifestError('block', 'not DAG-CBOR', { cause: err })
  }
  if (v === null || typeof v !== 'object') throw new InvalidManifestError('block', 'not a map')
  if (v.type !== 'ipfrs/model') throw new InvalidManifestError('type', `expected 'ipfrs/model'`)
  if (v.version !== 1) throw new InvalidManifestError('version', `unsupported version ${String(v.version)}`)
  if (v.format !== 'safetensors') throw new InvalidManifestError('format', `unknown format ${String(v.format)}`)
  if (typeof v.header !== 'string') throw new InvalidManifestError('header', 'not a string')
  if (!Number.isSafeInteger(v.byteLength)) throw new InvalidManifestError('byteLength', 'not an integer')
  if (v.tensors === null || typeof v.tensors !== 'object') throw new InvalidManifestError('tensors', 'not a map')
  for (const [k, c] of Object.entries(v.tensors))
    if (CID.asCID(c) == null) throw new InvalidManifestError(`tensors.${k}`, 'not a CID')
  return v as unknown as ModelManifest
}

/** One row of `listModel`: a tensor of the model and its manifest. */
export interface ModelTensor {
  readonly name: string
  readonly cid: CID
  readonly manifest: TensorManifest
}

/** The tensors of a model, in the file's data order, with their (validated) manifests. */
export async function listModel(blockstore: Blockstore, cid: CID, options: AbortOptions = {}): Promise<ModelTensor[]> {
  const model = await getModelManifest(blockstore, cid, options)
  const store = new TensorStore({ blockstore })
  const order = headerOrder(model)
  const out: ModelTensor[] = []
  for (const t of order) {
    const tcid = model.tensors[t.name]
    if (tcid == null) throw new InvalidManifestError(`tensors.${t.name}`, 'missing')
    out.push({ name: t.name, cid: tcid, manifest: await store.getManifest(tcid, options) })
  }
  return out
}

/** Rebuilds the original safetensors file, byte for byte, from a model manifest; every chunk is hash-verified. */
export async function exportSafetensors(
  modelCid: CID,
  blockstore: Blockstore,
  options: AbortOptions = {},
): Promise<Uint8Array> {
  const model = await getModelManifest(blockstore, modelCid, options)
  const header = new TextEncoder().encode(model.header)
  const order = headerOrder(model)
  const dataOffset = 8 + header.byteLength
  const dataLength = order.reduce((n, t) => Math.max(n, t.end), 0)
  if (dataOffset + dataLength !== model.byteLength)
    throw new InvalidManifestError('byteLength', `${model.byteLength} does not match the header`)
  const out = new Uint8Array(model.byteLength)
  new DataView(out.buffer).setBigUint64(0, BigInt(header.byteLength), true)
  out.set(header, 8)
  const store = new TensorStore({ blockstore })
  for (const t of order) {
    const tcid = model.tensors[t.name]
    if (tcid == null) throw new InvalidManifestError(`tensors.${t.name}`, 'missing')
    const m = await store.getManifest(tcid, options)
    if (m.dtype !== t.dtype || m.byteLength !== t.end - t.begin || m.shape.join() !== t.shape.join())
      throw new InvalidManifestError(`tensors.${t.name}`, 'does not match the header entry')
    out.set(await assembleChunks(blockstore, m, options), dataOffset + t.begin)
  }
  return out
}

/** The header entries of a stored model, re-validated against the stored file length. */
function headerOrder(model: ModelManifest): readonly SafetensorsEntry[] {
  const dataLength = model.byteLength - 8 - new TextEncoder().encode(model.header).byteLength
  try {
    if (dataLength < 0) throw new Error(`byteLength ${model.byteLength} is smaller than the header`)
    const json: unknown = JSON.parse(model.header)
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('not a JSON object')
    return validateHeader(json as Record<string, unknown>, dataLength).tensors
  } catch (err) {
    throw new InvalidManifestError('header', (err as Error).message, { cause: err })
  }
}
