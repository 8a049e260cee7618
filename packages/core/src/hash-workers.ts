/**
 * Block hashing on worker threads, so the thread that decrypts and demultiplexes the stream (TLS or Noise, Yamux,
 * framing) does not also hash every byte: an ArrayBuffer is transferred to a worker (not copied), the blocks in it are
 * hashed there with node:crypto, and it is transferred back with their digests. Chunks too small to be worth a round
 * trip, views that share their ArrayBuffer with other data, and hashes node:crypto does not compute are hashed on the
 * calling thread instead. TensorSwap checks each leaf this way (`verifyOffThread`), Bitswap each message's blocks
 * (`digestOffThread`, from @ipfrs/network). The workers are started on first use, kept while the process lives and
 * never keep it alive by themselves.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { CID } from 'multiformats/cid'
import { digestMatches, hashMatches } from './hashing.js'

/** Chunks smaller than this are hashed in place (a worker round trip costs about as much as hashing 64 KiB). */
export const MIN_OFFLOAD = 64 * 1024
/** A view's ArrayBuffer may hold this much more than the view (a frame's header) and still be transferred. */
const MAX_SLACK = 256
/** Multihash codes the workers compute, and node:crypto's name for each. */
export const OFF_THREAD_HASHES: ReadonlyMap<number, string> = new Map([
  [0x12, 'sha256'],
  [0x13, 'sha512'],
])

/** The worker: hashes each range of the buffer it is sent, answers with their digests and the buffer back. */
const SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
parentPort.on('message', ({ id, buffer, ranges }) => {
  const digests = ranges.map(({ algorithm, offset, length }) =>
    new Uint8Array(createHash(algorithm).update(new Uint8Array(buffer, offset, length)).digest()))
  parentPort.postMessage({ id, buffer, digests }, [buffer])
})
`

/** A part of a buffer to hash: `algorithm` is node:crypto's name (a value of `OFF_THREAD_HASHES`). */
export interface HashRange {
  algorithm: string
  offset: number
  length: number
}

interface Hashed {
  buffer: ArrayBuffer
  digests: Uint8Array[]
}

interface Job {
  resolve: (r: Hashed) => void
  reject: (err: unknown) => void
}

interface PoolWorker {
  worker: Worker
  jobs: Map<number, Job>
}

let pool: PoolWorker[] | undefined
let nextId = 0
let turn = 0

/** Workers: one per core beyond the first (at least one, at most four). */
function workers(): PoolWorker[] {
  if (pool !== undefined) return pool
  const n = Math.max(1, Math.min(4, availableParallelism() - 1))
  pool = Array.from({ length: n }, () => {
    const worker = new Worker(SOURCE, { eval: true })
    const entry: PoolWorker = { worker, jobs: new Map() }
    worker.on('message', (m: Hashed & { id: number }) => {
      const job = entry.jobs.get(m.id)
      entry.jobs.delete(m.id)
      if (entry.jobs.size === 0) worker.unref()
      job?.resolve(m)
    })
    worker.on('error', (err) => failAll(entry, err))
    worker.on('exit', (code) => failAll(entry, new Error(`hash worker exited (${code})`)))
    worker.unref()
    return entry
  })
  return pool
}

/**
 * A worker that died fails its jobs and is replaced on next use. The buffers it held are gone with it: `verifyOffThread`
 * then throws, and Bitswap's receiver aborts the stream the message came on (its blocks arrive only if asked again).
 */
function failAll(entry: PoolWorker, err: unknown): void {
  for (const job of entry.jobs.values()) job.reject(err)
  entry.jobs.clear()
  pool = pool?.filter((p) => p !== entry)
  if (pool?.length === 0) pool = undefined
}

/**
 * Hashes `ranges` of `buffer` on a worker thread. `buffer` is transferred there and back: it is detached when this
 * returns (or throws), and the caller reads the bytes through the returned one. Rejects if the worker died with it.
 */
export async function digestOffThread(buffer: ArrayBuffer, ranges: HashRange[]): Promise<Hashed> {
  const all = workers()
  const entry = all[turn++ % all.length] as PoolWorker
  const id = nextId++
  return new Promise((resolve, reject) => {
    entry.jobs.set(id, { resolve, reject })
    entry.worker.ref()
    entry.worker.postMessage({ id, buffer, ranges }, [buffer])
  })
}

/** Whether a view of `buffer` of `length` bytes can go to a worker: an ArrayBuffer it (nearly) fills alone. */
function transferable(buffer: ArrayBufferLike, length: number): buffer is ArrayBuffer {
  return buffer instanceof ArrayBuffer && buffer.byteLength - length <= MAX_SLACK
}

/**
 * Whether `bytes` hash to `cid`, checked on a worker thread when that pays. Resolves with the verdict and the bytes: a
 * view of the same memory when they were hashed in place, else a view of the buffer the worker sent back (`bytes` is
 * then detached: use only the returned view).
 */
export async function verifyOffThread(cid: CID, bytes: Uint8Array): Promise<{ ok: boolean; bytes: Uint8Array }> {
  const algorithm = OFF_THREAD_HASHES.get(cid.multihash.code)
  const buffer = bytes.buffer
  if (algorithm === undefined || bytes.byteLength < MIN_OFFLOAD || !transferable(buffer, bytes.byteLength))
    return { ok: hashMatches(cid, bytes), bytes }
  const { byteOffset: offset, byteLength: length } = bytes
  let back: Hashed
  try {
    back = await digestOffThread(buffer, [{ algorithm, offset, length }])
  } catch {
    // the worker died; if the buffer never left, hash it here, else it is gone with the worker
    if (buffer.byteLength === 0) throw new Error('a chunk was lost with its hash worker')
    return { ok: hashMatches(cid, bytes), bytes }
  }
  const view = new Uint8Array(back.buffer, offset, length)
  return { ok: digestMatches(cid.multihash.digest, back.digests[0] as Uint8Array), bytes: view }
}
