/** Raw blocks, pins, garbage collection and CAR files (Kubo's `block`, `pin`, `repo gc`, `dag`). */
import type { CID } from '@ipfrs/core'
import type { AbortOptions } from './options.js'

export interface BlockPutOptions extends AbortOptions {
  /** Codec name (Kubo's `--cid-codec`, default `raw`). */
  format?: string
  /** Multihash function code (default sha2-256). */
  hashCode?: number
  pin?: boolean
  allowBigBlock?: boolean
}

export interface BlockStat {
  readonly cid: CID
  readonly size: number
}

export interface BlockApi {
  readonly put: (bytes: Uint8Array, options?: BlockPutOptions) => Promise<BlockStat>
  readonly get: (cid: CID, options?: AbortOptions) => Promise<Uint8Array>
  readonly has: (cid: CID, options?: AbortOptions) => Promise<boolean>
  readonly stat: (cid: CID, options?: AbortOptions) => Promise<BlockStat>
  /** Removes blocks; returns those removed. Pinned blocks are refused. */
  readonly rm: (cids: CID[], options?: AbortOptions & { force?: boolean }) => Promise<CID[]>
}

export type PinType = 'recursive' | 'direct' | 'indirect'

export interface Pin {
  readonly cid: CID
  readonly type: PinType
}

export interface PinApi {
  /** Pins recursively unless `recursive` is false; every block of the DAG must be in the repo. */
  readonly add: (cid: CID | string, options?: AbortOptions & { recursive?: boolean }) => Promise<Pin>
  readonly rm: (cid: CID | string, options?: AbortOptions) => Promise<void>
  readonly ls: (options?: AbortOptions & { type?: PinType | 'all' }) => AsyncIterable<Pin>
}

export interface GcOptions extends AbortOptions {
  /** List what would be removed without removing anything. */
  dryRun?: boolean
  /** Spare blocks written less than this many seconds ago. */
  minAgeSeconds?: number
}

export interface GcResult {
  /** Blocks removed (or, in a dry run, that would be). */
  readonly removed: CID[]
  /** Blocks kept because they are pinned or under a recursive pin. */
  readonly pinned: number
  /** Unpinned blocks kept because they are younger than `minAgeSeconds`. */
  readonly tooYoung: number
  /** Unpinned blocks kept because a write in progress (an add, a pin, an import) holds them. */
  readonly inFlight: number
  /** Temp files of block writes that never finished, removed. */
  readonly tempFilesRemoved: number
  readonly dryRun: boolean
}

export interface CarImportResult {
  roots: CID[]
  blocks: number
}

export interface DagApi {
  /** The DAG under `cid` as a CARv1 stream. */
  readonly export: (cid: CID | string, options?: AbortOptions) => AsyncIterable<Uint8Array>
  /** Stores a CAR's blocks (each hash-verified) and pins its roots unless `pinRoots` is false. */
  readonly import: (
    source: AsyncIterable<Uint8Array>,
    options?: AbortOptions & { pinRoots?: boolean },
  ) => Promise<CarImportResult>
}
