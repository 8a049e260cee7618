/** The Embedder contract: text in, a fixed-dimension Float32Array out. */

/** Options every embedding call takes. */
export interface EmbedOptions {
  readonly signal?: AbortSignal
}

/** Turns text into vectors of a fixed dimension. Implementations must be deterministic for a given `id`. */
export interface Embedder {
  /** Length of every vector this embedder returns. */
  readonly dimension: number
  /** Names the model and its parameters (e.g. `hashing-v1/384`); vectors from different ids are not comparable. */
  readonly id?: string
  /** Embeds one text. */
  embed(text: string, options?: EmbedOptions): Promise<Float32Array>
  /** Embeds several texts; the result is in input order. */
  embedBatch(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>
}
