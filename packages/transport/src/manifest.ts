/**
 * The shared contract of @ipfrs/transport: a tensor (or any large blob, such as a model file) stored as content is
 * a DAG-CBOR manifest block that links fixed-size raw chunks. The tensor store writes manifests; TensorSwap transfers
 * the chunks a manifest lists; both verify every chunk against its CID.
 */
import type { DType } from '@ipfrs/core'
import type { CID } from 'multiformats/cid'

/** How the concatenated chunk bytes are to be read. */
export type TensorEncoding =
  /** An Apache Arrow IPC stream holding the tensor's elements as one column (read zero-copy with apache-arrow). */
  | 'arrow-ipc'
  /** The tensor's elements, little-endian, row-major unless `strides` says otherwise (e.g. a safetensors tensor). */
  | 'raw'
  /** Opaque bytes (a whole file); dtype U8, shape [byteLength]. */
  | 'bytes'
  /**
   * A UnixFS file as Kubo lays it out: the chunks are the file DAG's own leaves (dag-pb or raw blocks), each holding
   * `chunkSize` bytes of the file but the last. Derived from the DAG, never stored (see file-index.ts); dtype U8.
   */
  | 'unixfs'

/** The manifest block (DAG-CBOR). Field names are part of the stored format: extend, never rename. */
export interface TensorManifest {
  /** Always 'ipfrs/tensor'; lets a reader tell a manifest from other DAG-CBOR. */
  readonly type: 'ipfrs/tensor'
  /** Format version of this manifest; readers refuse versions they do not know. */
  readonly version: 1
  readonly name?: string
  readonly encoding: TensorEncoding
  readonly dtype: DType
  readonly shape: readonly number[]
  /** Element strides (row-major when the tensor is contiguous). */
  readonly strides: readonly number[]
  /** Total bytes of the concatenated chunks. */
  readonly byteLength: number
  /** Size of every chunk but the last (which holds the remainder, never empty). */
  readonly chunkSize: number
  /** The chunks, in order: raw-codec (0x55) CIDs with sha2-256 multihashes ('unixfs': the file's leaves, raw or dag-pb). */
  readonly chunks: readonly CID[]
  /** Free-form metadata (string values), e.g. safetensors' __metadata__. */
  readonly meta?: Readonly<Record<string, string>>
}
