/** Files and directories as UnixFS: add, read, list (Kubo's `add`, `cat`, `get`, `ls`, `files stat`). */
import type { CID } from '@ipfrs/core'
import type { AbortOptions, AddProgressEvents, GetProgressEvents, OperationOptions } from './options.js'

/** How content is cut into blocks; every field defaults from the config's `Import` section (Kubo's defaults). */
export interface AddOptions extends OperationOptions<AddProgressEvents> {
  cidVersion?: 0 | 1
  /** Raw leaves; defaults to true for CIDv1 and false for CIDv0, as in Kubo. */
  rawLeaves?: boolean
  /** `size-<bytes>`. */
  chunker?: string
  /** Compute the CIDs without storing anything. */
  onlyHash?: boolean
  /** Pin the root recursively (default true). */
  pin?: boolean
  /** Wrap the added entries in a directory (Kubo's `-w`). */
  wrapWithDirectory?: boolean
  /**
   * Read each file's content to its end before asking the source for the next file. Needed when the files come one
   * after another from a single stream (an HTTP multipart upload); otherwise files are read in parallel.
   */
  sequentialFiles?: boolean
}

/** A file or directory on disk to add (`ipfs add [-r] <path>`). */
export interface AddPathOptions extends AddOptions {
  /** Add a directory with everything under it. */
  recursive?: boolean
  /** Include files whose names start with a dot. */
  hidden?: boolean
}

/** The bytes of a file to add. */
export type AddContent = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array

/** One file (with content; a bare file may have no path) or directory (a path, no content) to add. */
export type AddCandidate = { path?: string; content: AddContent } | { path: string; content?: undefined }

/** One imported file or directory. */
export interface AddResult {
  readonly cid: CID
  /** The path it was added under ('' for bare bytes). */
  readonly path: string
  /** Cumulative size of the DAG's blocks: content plus encoding overhead (what Kubo reports as `Size`). */
  readonly size: bigint
}

/** A byte range of a file. */
export interface CatOptions extends AbortOptions {
  offset?: number
  length?: number
}

/** Writing a file or a tree to disk. */
export interface GetOptions extends OperationOptions<GetProgressEvents> {}

export type EntryType = 'file' | 'directory' | 'raw' | 'object' | 'identity'

/** One entry of a directory listing. */
export interface LsEntry {
  readonly name: string
  readonly cid: string
  readonly size: bigint
  readonly type: EntryType
}

/** The type and size of a path. */
export interface StatResult {
  readonly cid: string
  readonly type: EntryType
  readonly size: bigint
}

/** The UnixFS methods of a node. `path` is `<cid>[/sub/path]`, with or without a leading `/ipfs/`. */
export interface ContentApi {
  /** Adds a file from disk or a byte stream. */
  readonly addFile: (source: string | AsyncIterable<Uint8Array>, options?: AddOptions) => Promise<AddResult>
  /** Adds a file or (with `recursive`) a directory from disk; yields every entry, the root last. */
  readonly addPath: (path: string, options?: AddPathOptions) => AsyncIterable<AddResult>
  /** Adds files and directories as they come; yields every entry, the root last. */
  readonly addAll: (source: AsyncIterable<AddCandidate>, options?: AddOptions) => AsyncIterable<AddResult>
  readonly cat: (path: string, options?: CatOptions) => AsyncIterable<Uint8Array>
  /** Writes the file or tree at `path` to the local path `out`; returns the bytes written. */
  readonly get: (path: string, out: string, options?: GetOptions) => Promise<number>
  readonly stat: (path: string, options?: AbortOptions) => Promise<StatResult>
  readonly ls: (path: string, options?: AbortOptions) => AsyncIterable<LsEntry>
}
