/**
 * The adapter point for model-backed embedders (a local transformers.js / ONNX model directory). No ONNX runtime
 * package is installed in this workspace and tokenisation is not implemented, so loadOnnxEmbedder() checks what it
 * can (the directory and its files) and then reports ERR_EMBEDDER_UNAVAILABLE; any Embedder implementation can be
 * passed to SemanticStore instead (see embedder.ts).
 */
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import type { Embedder } from './embedder.js'
import { EmbedderUnavailableError } from './errors.js'

/** Where a local sentence-embedding model lives and how its output is pooled. */
export interface OnnxEmbedderOptions {
  /** Directory holding `model.onnx` (or `onnx/model.onnx`) and `tokenizer.json`, as exported by transformers.js. */
  readonly modelDir: string
  /** Output dimension of the model (e.g. 384 for all-MiniLM-L6-v2). */
  readonly dimension: number
  /** How token embeddings become one vector. Default 'mean'. */
  readonly pooling?: 'mean' | 'cls'
  /** L2-normalise the pooled vector. Default true. */
  readonly normalize?: boolean
}

/**
 * Loads a model-backed Embedder from a local directory. Today it always rejects with EmbedderUnavailableError (the
 * message says whether the model files or the runtime are what is missing); it never downloads anything.
 */
export async function loadOnnxEmbedder(options: OnnxEmbedderOptions): Promise<Embedder> {
  const candidates = [join(options.modelDir, 'model.onnx'), join(options.modelDir, 'onnx', 'model.onnx')]
  let model: string | undefined
  for (const c of candidates) {
    if (await exists(c)) {
      model = c
      break
    }
  }
  if (model === undefined) throw new EmbedderUnavailableError(`no model.onnx under ${options.modelDir}`)
  if (!(await exists(join(options.modelDir, 'tokenizer.json')))) {
    throw new EmbedderUnavailableError(`no tokenizer.json in ${options.modelDir}`)
  }
  throw new EmbedderUnavailableError(
    'no ONNX runtime is bundled with @ipfrs/semantic (onnxruntime-node / @huggingface/transformers are not ' +
      'dependencies); implement Embedder over your runtime and pass it to SemanticStore',
  )
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file)
    return true
  } catch {
    return false
  }
}
