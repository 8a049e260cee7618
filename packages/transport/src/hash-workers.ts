/**
 * Block hash checks on worker threads, so the thread that decrypts and demultiplexes the stream (Noise, Yamux, framing)
 * does not also hash every byte: a chunk's ArrayBuffer is transferred to a worker (not copied), hashed there with
 * node:crypto, and transferred back with the verdict. Chunks too small to be worth a round trip, views that share their
 * ArrayBuffer with other data, and hashes node:crypto does not compute are checked on the calling thread instead.
 * The workers are started on first use, kept while the process lives and never keep it alive by themselves.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { hashMatches } from '@ipfrs/core'
import type { CID } from 'multiformats/cid'

/** Chunks smaller than this are hashed in place (a worker round trip costs about as much as hashing 64 KiB). */
const MIN_OFFLOAD = 64 * 1024
/** A view's ArrayBuffer may hold this much more than the view (a frame's header) and still be transferred. */
const MAX_SLACK = 256
const HASHES: ReadonlyMap<number, string> = new Map([
  [0x12, 'sha256'],
  [0x13, 'sha512'],
])

/** The worker: hashes the view it is sent, answers with the digest and the buffer back. */
const SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
parentPort.on('message', ({ id, algorithm, buffer, offset, length }) => {
  const digest = createHash(algorithm).update(new Uint8Array(buffer, offset, length)).digest()
  parentPort.postMessage({ id, buffer, digest: new Uint8Array(digest) }, [buffer])
})
`

interface Job {
  resolve: (r: { buffer: ArrayBuffer; digest: Uint8Array }) => void
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
    worker.on('message', (m: { id: number; buffer: ArrayBuffer; digest: Uint8Array }) => {
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

/** A worker that died fails its jobs (their callers hash in place instead) and is replaced on next use. */
function failAll(entry: PoolWorker, err: unknown): void {
  for (const job of entry.jobs.values()) job.reject(err)
  entry.jobs.clear()
  pool = pool?.filter((p) => p !== entry)
  if (pool?.length === 0) pool = undefined
}

/**
 * Whether `bytes` hash to `cid`, checked on a worker thread when that pays. Resolves with the verdict and the bytes: a
 * view of the same memory when they were hashed in place, else a view of the buffer the worker sent back (`bytes` is
 * then detached: use only the returned view).
 */
export async function verifyOffThread(cid: CID, bytes: Uint8Array): Promise<{ ok: boolean; bytes: Uint8Array }> {
  const algorithm = HASHES.get(cid.multihash.code)
  const buffer = bytes.buffer
  if (
    algorithm === undefined ||
    bytes.byteLength < MIN_OFFLOAD ||
    !(buffer instanceof ArrayBuffer) ||
    buffer.byteLength - bytes.byteLength > MAX_SLACK
  )
    return { ok: hashMatches(cid, bytes), bytes }
  const all = workers()
  const entry = all[turn++ % all.length] as PoolWorker
  const id = nextId++
  const { byteOffset: offset, byteLength: length } = bytes
  let back: { buffer: ArrayBuffer; digest: Uint8Array }
  try {
    back = await new Promise((resolve, reject) => {
      entry.jobs.set(id, { resolve, reject })
      entry.worker.ref()
      entry.worker.postMessage({ id, algorithm, buffer, offset, length }, [buffer])
    })
  } catch {
    // the worker died; if the buffer never left, hash it here, else it is gone with the worker
    if (buffer.byteLength === 0) throw new Error('a chunk was lost with its hash worker')
    return { ok: hashMatches(cid, bytes), bytes }
  }
  const view = new Uint8Array(back.buffer, offset, length)
  const want = cid.multihash.digest
  let ok = back.digest.byteLength >= want.byteLength
  for (let i = 0; ok && i < want.byteLength; i++) ok = back.digest[i] === want[i]
  return { ok, bytes: view }
}
