/**
 * The two option shapes every method of the contract shares: cancellation (`{ signal }`, as `abort-error` and
 * `@libp2p/interface` spell it) and typed progress events (`{ onProgress }`, as Helia's `progress-events`).
 */
import type { AbortOptions } from 'abort-error'
import type { ProgressEvent, ProgressOptions } from 'progress-events'

export type { AbortOptions } from 'abort-error'
export type { ProgressEvent, ProgressEventListener, ProgressOptions } from 'progress-events'

/** Cancellation and progress events of one kind. */
export interface OperationOptions<Events extends ProgressEvent = ProgressEvent>
  extends AbortOptions,
    ProgressOptions<Events> {}

/**
 * `add:read`: content read, per chunk: the file's path, its bytes read so far, and the bytes of every file of the add
 * so far (`total`). `add:file`: a file read to its end, with its size.
 */
export type AddProgressEvents =
  | ProgressEvent<'add:read', { path: string; bytes: number; total: number }>
  | ProgressEvent<'add:file', { path: string; bytes: number }>

/** `get:write`: bytes written to disk so far. */
export type GetProgressEvents = ProgressEvent<'get:write', { bytes: number }>

/** `tensor:fetch:chunk`: payload bytes stored so far, and the bytes the fetch needs in total. */
export type TensorFetchProgressEvents = ProgressEvent<'tensor:fetch:chunk', { done: number; total: number }>
