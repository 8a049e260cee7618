/**
 * The Node's tensor side: tensors, blobs and safetensors models stored as @ipfrs/transport manifests in the repo's
 * blockstore, written under the shared GC lock and pinned (recursively: manifest → chunks) unless told not to. On an
 * online node it also serves TensorSwap, and reads fetch what the repo lacks from peers first (see tensor-fetch.ts).
 * @ipfrs/transport (Arrow) is loaded when an online layer starts, or offline when the layer is first used.
 */
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { type CID, formatCid, isIpfrsError, parseCid } from '@ipfrs/core'
import type { Network } from '@ipfrs/network'
import type { ModelTensorEntry, TensorApi } from '@ipfrs/node-api'
import type { Repo } from '@ipfrs/storage'
import type {
  GetTensorOptions,
  ImportedModel,
  LoadedFileTensor,
  LoadedTensor,
  ModelFile,
  ModelTensor,
  PutTensorOptions,
  ArrowTable as Table,
  TensorManifest,
  TensorStore,
  TensorSwap,
  TensorTypedArray,
  ArrowVector as Vector,
} from '@ipfrs/transport'
import type { AbortOptions } from 'abort-error'
import type { TensorFetcher, TensorFetchOptions, TensorFetchResult } from './tensor-fetch.js'
import type { AddResult } from './unixfs-add.js'

/** Whether a path names a safetensors or GGUF file (by its extension, as `ipfrs add` decides). */
export function isModelPath(path: string): boolean {
  const name = basename(path).toLowerCase()
  return name.endsWith('.safetensors') || name.endsWith('.gguf')
}

/** What the layer works with, made when @ipfrs/transport is loaded. */
interface Parts {
  transport: typeof import('@ipfrs/transport')
  store: TensorStore
  swap: TensorSwap | undefined
  fetcher: TensorFetcher
}

/** Tensor operations over a repo; `node.tensor` of a started Node. */
export class TensorLayer implements TensorApi {
  readonly #repo: Repo
  readonly #network: Network | undefined
  readonly #online: boolean
  #parts: Promise<Parts> | undefined
  #loaded: Parts | undefined

  /** With `network` (an online node) the layer serves TensorSwap once started, and fetches from peers. */
  constructor(repo: Repo, network?: Network) {
    this.#repo = repo
    this.#network = network
    this.#online = network != null
  }

  /** Loads @ipfrs/transport and makes the store, the TensorSwap server (online) and the fetcher, once. */
  #load(): Promise<Parts> {
    this.#parts ??= (async () => {
      const [transport, { TensorFetcher }] = await Promise.all([
        import('@ipfrs/transport'),
        import('./tensor-fetch.js'),
      ])
      const { blockstore } = this.#repo
      const network = this.#network
      const swap = network != null ? new transport.TensorSwap({ network, blockstore }) : undefined
      this.#loaded = {
        transport,
        store: new transport.TensorStore({ blockstore }),
        swap,
        fetcher: new TensorFetcher(this.#repo, network, swap),
      }
      return this.#loaded
    })()
    return this.#parts
  }

  /** Starts serving TensorSwap (online nodes; offline there is nothing to start). */
  async start(): Promise<void> {
    if (this.#online) await (await this.#load()).swap?.start()
  }

  /** Stops serving TensorSwap. */
  async stop(): Promise<void> {
    await this.#loaded?.swap?.stop()
  }

  /** The node's TensorSwap (online nodes), which file reads use to fetch leaves from the peers that speak it. */
  async swap(): Promise<TensorSwap | undefined> {
    return this.#online ? (await this.#load()).swap : undefined
  }

  /** The TensorSwap server's counters (online nodes). */
  get serverStats() {
    return this.#loaded?.swap?.serverStats
  }

  /**
   * Fetches what the repo lacks of a tensor or model from peers (TensorSwap where they speak it, else Bitswap) and pins
   * it unless `pin` is false. Offline, content not all in the repo is `ERR_OFFLINE`.
   */
  async fetch(cid: CID | string, options: TensorFetchOptions = {}): Promise<TensorFetchResult> {
    return (await this.#load()).fetcher.fetch(cid, options)
  }

  /** Online, fetches (unpinned, like a Kubo read) what the repo lacks before a read. */
  async #ensure(cid: CID | string, options: AbortOptions & { manifestsOnly?: boolean }): Promise<void> {
    if (this.#online) await (await this.#load()).fetcher.fetch(cid, { ...options, pin: false })
  }

  /** Stores a tensor (typed array, Arrow Table or Vector) as an Arrow IPC stream; pins it unless `pin` is false. */
  async putTensor(
    input: ArrayBufferView | Table | Vector,
    options: PutTensorOptions & { pin?: boolean } = {},
  ): Promise<CID> {
    const { store } = await this.#load()
    return this.#pinned(() => store.putTensor(input, options), options)
  }

  /** Stores opaque bytes as a 'bytes' manifest; pins it unless `pin` is false. */
  async putBytes(
    bytes: Uint8Array,
    options: AbortOptions & { name?: string; chunkSize?: number; pin?: boolean } = {},
  ): Promise<CID> {
    const { store } = await this.#load()
    return this.#pinned(() => store.putBytes(bytes, options), options)
  }

  /** Loads a tensor (a typed array, or with `as: 'arrow'` a Table), every chunk hash-verified. */
  getTensor(cid: CID | string, options?: GetTensorOptions & { as?: 'typed' }): Promise<LoadedTensor<TensorTypedArray>>
  getTensor(cid: CID | string, options: GetTensorOptions & { as: 'arrow' }): Promise<LoadedTensor<Table>>
  async getTensor(cid: CID | string, options: GetTensorOptions = {}): Promise<LoadedTensor<TensorTypedArray | Table>> {
    const { store } = await this.#load()
    await this.#ensure(cid, { signal: options.signal })
    return store.getTensor(parseCid(cid), options as GetTensorOptions & { as?: 'typed' })
  }

  /**
   * The stored bytes of any tensor manifest (the Arrow stream, the raw elements or the blob); for a model file's CID,
   * tensor `name`'s bytes (only its leaves are fetched), or without `name` the whole file.
   */
  async getBytes(cid: CID | string, options: AbortOptions & { name?: string } = {}): Promise<Uint8Array> {
    const { store, transport } = await this.#load()
    if (transport.isFileCid(parseCid(cid))) return this.#fileBytes(parseCid(cid), options)
    await this.#ensure(cid, { signal: options.signal })
    return store.getBytes(parseCid(cid), options)
  }

  /** A validated tensor manifest. */
  async getManifest(cid: CID | string, options: AbortOptions = {}): Promise<TensorManifest> {
    const { store } = await this.#load()
    await this.#ensure(cid, { signal: options.signal, manifestsOnly: true })
    return store.getManifest(parseCid(cid), options)
  }

  /** Reads a block of the repo (verified by the caller). */
  readonly #local = (cid: CID, options?: AbortOptions) =>
    this.#loaded?.transport.readBlock(this.#repo.blockstore, cid, options) ?? Promise.reject(new Error('not loaded'))

  /** The repo's block files, for reads of whole leaves straight into a result buffer. */
  readonly #files = (cid: CID) => this.#repo.plainBlockFile(cid)

  /**
   * A model file's leaf list and header. Online, what the repo lacks comes from peers first: the header's leaves, and
   * with `name` one tensor's leaves, with `whole` every leaf (see file-fetch.ts); offline, the repo must have them.
   */
  async #modelFile(
    root: CID,
    options: AbortOptions & { name?: string; whole?: boolean },
  ): Promise<{ manifest: TensorManifest; model: ModelFile }> {
    const { fetcher, transport } = await this.#load()
    if (this.#online) {
      const what = options.whole === true ? {} : options.name !== undefined ? { name: options.name } : { header: true }
      return fetcher.fetchFile(root, { signal: options.signal, pin: false, ...what })
    }
    const manifest = await transport.fileIndex(this.#local, root, options)
    const model = await transport.readModelHeader(this.#local, manifest, { ...options, label: formatCid(root) })
    return { manifest, model }
  }

  /** What a model file's header says (format, metadata, tensors as byte ranges); reads only the header's leaves. */
  async describeModel(cid: CID | string, options: AbortOptions = {}): Promise<ModelFile> {
    return (await this.#modelFile(parseCid(cid), options)).model
  }

  /**
   * Loads tensor `name` of a model file (safetensors or GGUF) by the file's CID: its bytes copied once out of the
   * leaves that hold them (each hash-verified) into one buffer, as a typed array or (`as: 'arrow'`) an Arrow Table.
   * Whole leaves are read straight from their block files when the repo stores them plain; `verify: false` skips
   * re-hashing those (the repo trusted as Kubo trusts its own with `HashOnRead` off; their layout is still checked).
   */
  async load(
    cid: CID | string,
    name: string,
    options: AbortOptions & { as?: 'typed' | 'arrow'; verify?: boolean } = {},
  ): Promise<LoadedFileTensor<TensorTypedArray | Table>> {
    const root = parseCid(cid)
    const file = await this.#modelFile(root, { ...options, name })
    return (await this.#load()).transport.loadModelTensor(this.#local, root, name, {
      ...options,
      file,
      files: this.#files,
    })
  }

  /** The bytes of one tensor of a model file, or of the whole file. */
  async #fileBytes(root: CID, options: AbortOptions & { name?: string }): Promise<Uint8Array> {
    const { transport } = await this.#load()
    const { manifest, model } = await this.#modelFile(root, { ...options, whole: options.name === undefined })
    if (options.name === undefined)
      return transport.readFileRange(this.#local, manifest, 0, manifest.byteLength, { ...options, files: this.#files })
    const t = transport.findTensor(model, options.name, formatCid(root))
    return transport.readFileRange(this.#local, manifest, t.offset, t.byteLength, { ...options, files: this.#files })
  }

  /** Imports a safetensors file (bytes or path): tensor manifests plus the model manifest, pinned unless `pin` is false. */
  async importSafetensors(
    input: Uint8Array | string,
    options: AbortOptions & { name?: string; chunkSize?: number; pin?: boolean } = {},
  ): Promise<ImportedModel> {
    const { importSafetensors } = (await this.#load()).transport
    let result: ImportedModel | undefined
    await this.#pinned(async () => {
      result = await importSafetensors(input, this.#repo.blockstore, {
        ...options,
        ...(options.name === undefined && typeof input === 'string' ? { name: basename(input) } : {}),
      })
      return result.cid
    }, options)
    return result as ImportedModel
  }

  /** The tensors of a model (a model file's CID: read from its header; an old model manifest's), in file order. */
  async listModel(cid: CID | string, options: AbortOptions = {}): Promise<Array<ModelTensor | ModelTensorEntry>> {
    const { listModel, isFileCid } = (await this.#load()).transport
    const root = parseCid(cid)
    if (isFileCid(root)) {
      const { model } = await this.#modelFile(root, options)
      return model.tensors.map((t) => ({
        name: t.name,
        cid: root,
        offset: t.offset,
        manifest: { encoding: model.format, dtype: t.dtype, shape: t.shape, byteLength: t.byteLength },
      }))
    }
    await this.#ensure(cid, { signal: options.signal, manifestsOnly: true })
    return listModel(this.#repo.blockstore, parseCid(cid), options)
  }

  /** Rebuilds the safetensors file of a model, byte for byte (a model file's CID: the file itself). */
  async exportSafetensors(cid: CID | string, options: AbortOptions = {}): Promise<Uint8Array> {
    const { exportSafetensors, isFileCid } = (await this.#load()).transport
    if (isFileCid(parseCid(cid))) return this.#fileBytes(parseCid(cid), options)
    await this.#ensure(cid, { signal: options.signal })
    return exportSafetensors(parseCid(cid), this.#repo.blockstore, options)
  }

  /** Runs a write under the shared GC lock, then pins its root (its blocks are all written, so no walk is needed). */
  async #pinned(write: () => Promise<CID>, options: AbortOptions & { pin?: boolean }): Promise<CID> {
    return this.#repo.gcLock.shared(async () => {
      const cid = await write()
      if (options.pin !== false) await this.#repo.pins.add(cid, { complete: true, signal: options.signal })
      return cid
    })
  }
}

/** What a model file's add found: its format and how many tensors its header lists. */
export interface AddedModel {
  readonly format: 'safetensors' | 'gguf'
  readonly tensors: number
}

/** What `node.addPath` yields: for a `.safetensors` or `.gguf` file whose header parses, the root also says so. */
export interface TensorAddResult extends AddResult {
  /** The model the file holds (its CID, the file's, is the handle for `tensor ls|get|load|fetch`). */
  readonly model?: AddedModel
}

/**
 * Passes `results` (an add of `path`) through; when `path` is a `.safetensors` / `.gguf` file, reads its header back
 * from the file's own leaves (nothing else is stored: the file DAG is the model's one copy) and gives the root result
 * a `model` field. A file whose header does not parse is still added as UnixFS, just without `model`.
 */
export async function* addModelFile(
  path: string,
  results: AsyncIterable<AddResult>,
  layer: () => TensorLayer,
  options: AbortOptions & { onlyHash?: boolean } = {},
): AsyncGenerator<TensorAddResult> {
  if (!isModelPath(path) || options.onlyHash === true) {
    yield* results
    return
  }
  let last: AddResult | undefined
  for await (const r of results) {
    if (last !== undefined) yield last
    last = r
  }
  if (last === undefined) return
  let model: AddedModel | undefined
  try {
    if ((await stat(path)).isFile()) {
      const m = await layer().describeModel(last.cid, options)
      model = { format: m.format, tensors: m.tensors.length }
    }
  } catch (err) {
    if (!isIpfrsError(err) || (err as { httpStatus?: number }).httpStatus !== 400) throw err
  }
  yield model === undefined ? last : { ...last, model }
}
