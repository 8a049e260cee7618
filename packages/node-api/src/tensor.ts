/** Tensors and safetensors models as content: `node.tensor`. */
import type { CID } from '@ipfrs/core'
import type { AbortOptions, OperationOptions, TensorFetchProgressEvents } from './options.js'

/** The fields of a tensor manifest a client shows. */
export interface TensorManifestInfo {
  readonly encoding: string
  readonly dtype: string
  readonly shape: readonly number[]
  readonly byteLength: number
}

/** One tensor of a model. */
export interface ModelTensorEntry {
  readonly name: string
  /** Its tensor manifest (an old chunked model), or the model file's CID (a model stored as its file). */
  readonly cid: CID
  /** Where the tensor's bytes start in the model file (a model stored as its file). */
  readonly offset?: number
  readonly manifest: TensorManifestInfo
}

/** What an import stored: the model manifest's CID and its tensors by name. */
export interface ImportedModelInfo {
  readonly cid: CID
  readonly manifest: { readonly tensors: Readonly<Record<string, CID>> }
}

export interface TensorFetchOptions extends OperationOptions<TensorFetchProgressEvents> {
  /** Peers to fetch from (peer IDs or multiaddrs); default: connected peers that speak TensorSwap, then the DHT's. */
  providers?: readonly string[]
  /** Pin the fetched tensor or model (default true). */
  pin?: boolean
  /** How long to look for providers in the DHT (default 5 s). */
  findTimeoutMs?: number
  /** Fetch only the manifests (to list or describe), not the chunks; for a model file, its header's leaves. */
  manifestsOnly?: boolean
  /** For a model file CID: fetch only the leaves holding this tensor (and the header's), not the whole file. */
  name?: string
}

/** A tensor of a model file loaded into one buffer (`node.tensor.load`). */
export interface LoadedModelTensor {
  /** A typed array (or with `as: 'arrow'` a one-column Arrow Table) over one contiguous buffer. */
  readonly data: unknown
  readonly dtype: string
  readonly shape: readonly number[]
  readonly name: string
}

/** What a fetch did. */
export interface TensorFetchResult {
  cid: string
  kind: 'tensor' | 'model'
  tensors: number
  chunks: number
  /** Chunks the repo already had (not transferred). */
  alreadyHad: number
  viaTensorSwap: number
  viaBitswap: number
  /** Payload bytes transferred. */
  bytes: number
  /** Peers TensorSwap took chunks from. */
  providers: string[]
}

export interface TensorApi {
  /** Imports a safetensors file (bytes or a path): tensor manifests plus the model manifest, pinned unless told not. */
  readonly importSafetensors: (
    input: Uint8Array | string,
    options?: AbortOptions & { name?: string; chunkSize?: number; pin?: boolean },
  ) => Promise<ImportedModelInfo>
  /** The tensors of a model (a model file's CID, or an old model manifest's), in file order. */
  readonly listModel: (cid: CID | string, options?: AbortOptions) => Promise<ModelTensorEntry[]>
  readonly getManifest: (cid: CID | string, options?: AbortOptions) => Promise<TensorManifestInfo>
  /** The stored bytes of a tensor (Arrow IPC stream, raw elements or blob), or with `name` one tensor of a model file. */
  readonly getBytes: (cid: CID | string, options?: AbortOptions & { name?: string }) => Promise<Uint8Array>
  /** Loads tensor `name` of a model file (safetensors or GGUF, by its file CID) as a typed array or Arrow Table. */
  readonly load: (
    cid: CID | string,
    name: string,
    options?: AbortOptions & { as?: 'typed' | 'arrow' },
  ) => Promise<LoadedModelTensor>
  /** Rebuilds the safetensors file of a model, byte for byte. */
  readonly exportSafetensors: (cid: CID | string, options?: AbortOptions) => Promise<Uint8Array>
  /** Fetches what the repo lacks from peers; pins unless told not to. */
  readonly fetch: (cid: CID | string, options?: TensorFetchOptions) => Promise<TensorFetchResult>
}
