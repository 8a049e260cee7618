/**
 * The Node's tensor side: tensors, blobs and safetensors models stored as @ipfrs/transport manifests in the repo's
 * blockstore, written under the shared GC lock and pinned (recursively: manifest → chunks) unless told not to. On an
 * online node it also serves TensorSwap, and reads fetch what the repo lacks from peers first (see tensor-fetch.ts).
 * @ipfrs/transport (Arrow) is loaded when an online layer starts, or offline when the layer is first used.
 */
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { type CID, isIpfrsError, parseCid } from '@ipfrs/core'
import type { Network } from '@ipfrs/network'
import type { TensorApi } from '@ipfrs/node-api'
import type { Repo } from '@ipfrs/storage'
import type {
  GetTensorOptions,
  ImportedModel,
  LoadedTensor,
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

/** Whether a path names a safetensors file (by its extension, as `ipfrs add` decides). */
export function isSafetensorsPath(path: string): boolean {
  return basename(path).toLowerCase().endsWith('.safetensors')
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

  /** The stored bytes of any tensor manifest (the Arrow stream, the raw elements or the blob). */
  async getBytes(cid: CID | string, options: AbortOptions = {}): Promise<Uint8Array> {
    const { store } = await this.#load()
    await this.#ensure(cid, { signal: options.signal })
    return store.getBytes(parseCid(cid), options)
  }

  /** A validated tensor manifest. */
  async getManifest(cid: CID | string, options: AbortOptions = {}): Promise<TensorManifest> {
    const { store } = await this.#load()
    await this.#ensure(cid, { signal: options.signal, manifestsOnly: true })
    return store.getManifest(parseCid(cid), options)
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

  /** The tensors of a model, in file order, with their manifests. */
  async listModel(cid: CID | string, options: AbortOptions = {}): Promise<ModelTensor[]> {
    const { listModel } = (await this.#load()).transport
    await this.#ensure(cid, { signal: options.signal, manifestsOnly: true })
    return listModel(this.#repo.blockstore, parseCid(cid), options)
  }

  /** Rebuilds the safetensors file of a model, byte for byte. */
  async exportSafetensors(cid: CID | string, options: AbortOptions = {}): Promise<Uint8Array> {
    const { exportSafetensors } = (await this.#load()).transport
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

/** What `node.addPath` yields: for a `.safetensors` file, the root also names the model manifest it stored. */
export interface TensorAddResult extends AddResult {
  /** The model manifest CID (`ipfrs tensor ls <model>`), when the added file is a valid safetensors file. */
  readonly model?: CID
}

/**
 * Passes `results` (an add of `path`) through; when `path` is a `.safetensors` file that parses, also imports its
 * tensors and gives the root result a `model` field. A malformed file is still added as UnixFS, just without `model`.
 */
export async function* addSafetensorsModel(
  path: string,
  results: AsyncIterable<AddResult>,
  layer: () => TensorLayer,
  options: AbortOptions & { onlyHash?: boolean; pin?: boolean } = {},
): AsyncGenerator<TensorAddResult> {
  if (!isSafetensorsPath(path) || options.onlyHash === true) {
    yield* results
    return
  }
  let last: AddResult | undefined
  for await (const r of results) {
    if (last !== undefined) yield last
    last = r
  }
  if (last === undefined) return
  let model: CID | undefined
  try {
    if ((await stat(path)).isFile()) model = (await layer().importSafetensors(path, options)).cid
  } catch (err) {
    const { InvalidSafetensorsError } = await import('@ipfrs/transport')
    if (!isIpfrsError(err, InvalidSafetensorsError.code)) throw err
  }
  yield model === undefined ? last : { ...last, model }
}
