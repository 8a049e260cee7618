/** Kubo's Mutable File System (`files mkdir|write|read|ls|stat|cp|mv|rm|flush`). Paths are absolute (`/a/b`). */
import type { CID } from '@ipfrs/core'
import type { AbortOptions } from './options.js'

/** One entry of `files ls`. */
export interface MfsEntry {
  readonly name: string
  readonly type: 'file' | 'directory'
  /** A file's bytes (0 for a directory). */
  readonly size: number
  readonly cid: CID
}

/** `files stat`, as Kubo reports it. */
export interface MfsStat {
  readonly cid: CID
  readonly type: 'file' | 'directory'
  /** A file's bytes (0 for a directory). */
  readonly size: number
  /** The encoded size of the whole DAG. */
  readonly cumulativeSize: number
  /** The number of links of the node. */
  readonly blocks: number
}

/** `files write`'s options (Kubo's flags). */
export interface MfsWriteOptions extends AbortOptions {
  /** Create the file if it does not exist. */
  create?: boolean
  /** Truncate the file to size zero before writing. */
  truncate?: boolean
  /** Byte offset to begin writing at. */
  offset?: number
  /** Maximum number of bytes to read from the input. */
  count?: number
  /** Create missing parent directories. */
  parents?: boolean
}

/** The MFS of a node; its root persists in the repo and GC keeps everything it reaches. */
export interface MfsApi {
  readonly mkdir: (path: string, options?: AbortOptions & { parents?: boolean }) => Promise<void>
  readonly write: (
    path: string,
    content: AsyncIterable<Uint8Array> | Uint8Array,
    options?: MfsWriteOptions,
  ) => Promise<void>
  readonly read: (
    path: string,
    options?: AbortOptions & { offset?: number; count?: number },
  ) => AsyncIterable<Uint8Array>
  readonly ls: (path: string, options?: AbortOptions) => AsyncIterable<MfsEntry>
  /** Of an MFS path or `/ipfs/<cid>[/path]`. */
  readonly stat: (path: string, options?: AbortOptions) => Promise<MfsStat>
  /** From an MFS path or `/ipfs/<cid>[/path]`. */
  readonly cp: (from: string, to: string, options?: AbortOptions & { parents?: boolean }) => Promise<void>
  readonly mv: (from: string, to: string, options?: AbortOptions) => Promise<void>
  readonly rm: (path: string, options?: AbortOptions & { recursive?: boolean; force?: boolean }) => Promise<void>
  /** The CID at `path` (writes are already durable). */
  readonly flush: (path?: string, options?: AbortOptions) => Promise<CID>
}
