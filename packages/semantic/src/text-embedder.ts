/**
 * HashingTextEmbedder: a deterministic, offline text embedder that needs no model download. It hashes word
 * unigrams, word bigrams and character n-grams of each word into a fixed number of buckets with a random sign
 * (signed feature hashing, as in Weinberger et al. 2009), applies sublinear term weighting, and L2-normalises.
 *
 * Quality, honestly: it measures LEXICAL overlap (shared words, shared word pairs, shared word pieces, so it is
 * somewhat robust to inflection and typos). It knows nothing of meaning: "car" and "automobile" score as unrelated,
 * and a negated sentence scores close to the original. Use a model-backed Embedder for semantic similarity.
 */
import type { Embedder, EmbedOptions } from './embedder.js'
import { InvalidParameterError } from './errors.js'
import { validateInt } from './vectors.js'

/** Options of a HashingTextEmbedder. */
export interface HashingTextEmbedderOptions {
  /** Number of hash buckets = vector dimension. Default 384. */
  readonly dimension?: number
  /** Character n-gram sizes taken inside each word (padded with boundary marks). Default [3, 4]. */
  readonly charNgrams?: readonly number[]
  /** Weights of the three feature families. Defaults: words 1, bigrams 0.8, char n-grams 0.3. */
  readonly weights?: { readonly word?: number; readonly bigram?: number; readonly char?: number }
  /** Hash seed; different seeds give incomparable vectors. Default 0. */
  readonly seed?: number
}

/** Signed feature hashing of words, word bigrams and character n-grams; see the file comment for its limits. */
export class HashingTextEmbedder implements Embedder {
  readonly dimension: number
  readonly id: string
  private readonly ngrams: readonly number[]
  private readonly wWord: number
  private readonly wBigram: number
  private readonly wChar: number
  private readonly seed: number

  constructor(options: HashingTextEmbedderOptions = {}) {
    this.dimension = validateInt('dimension', options.dimension ?? 384, 2, 1 << 20)
    this.ngrams = (options.charNgrams ?? [3, 4]).map((n) => validateInt('charNgrams', n, 1, 16))
    this.wWord = weight('weights.word', options.weights?.word ?? 1)
    this.wBigram = weight('weights.bigram', options.weights?.bigram ?? 0.8)
    this.wChar = weight('weights.char', options.weights?.char ?? 0.3)
    this.seed = validateInt('seed', options.seed ?? 0, 0, 0xffff_ffff)
    this.id = `hashing-v1/${this.dimension}/${this.ngrams.join(',')}/${this.wWord},${this.wBigram},${this.wChar}/${this.seed}`
  }

  /** The words the embedder sees: NFKC-normalised, lower-cased runs of letters and digits. */
  static tokenize(text: string): string[] {
    return (
      text
        .normalize('NFKC')
        .toLowerCase()
        .match(/[\p{L}\p{N}]+/gu) ?? []
    )
  }

  async embed(text: string, options?: EmbedOptions): Promise<Float32Array> {
    options?.signal?.throwIfAborted()
    return this.embedSync(text)
  }

  async embedBatch(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
    const out: Float32Array[] = []
    for (const t of texts) {
      options?.signal?.throwIfAborted()
      out.push(this.embedSync(t))
    }
    return out
  }

  /** Synchronous embed(); throws InvalidParameterError for non-strings and for text without a letter or digit. */
  embedSync(text: string): Float32Array {
    if (typeof text !== 'string') throw new InvalidParameterError('text', 'must be a string')
    const words = HashingTextEmbedder.tokenize(text)
    if (words.length === 0) throw new InvalidParameterError('text', 'has no letters or digits to embed')
    const counts = new Map<string, number>()
    const bump = (feature: string, w: number) => counts.set(feature, (counts.get(feature) ?? 0) + w)
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!
      bump(`w:${word}`, this.wWord)
      if (i > 0) bump(`b:${words[i - 1]}\u0000${word}`, this.wBigram)
      const padded = `\u0002${word}\u0003`
      const chars = [...padded]
      for (const n of this.ngrams) {
        for (let j = 0; j + n <= chars.length; j++) bump(`c${n}:${chars.slice(j, j + n).join('')}`, this.wChar)
      }
    }
    const v = new Float64Array(this.dimension)
    for (const [feature, w] of counts) {
      const h = fnv1a(feature, this.seed)
      const bucket = h % this.dimension
      const sign = mix(h) & 1 ? -1 : 1
      v[bucket] = v[bucket]! + sign * Math.log1p(w) // sublinear: repeated features saturate
    }
    let sq = 0
    for (const x of v) sq += x * x
    const out = new Float32Array(this.dimension)
    const inv = sq > 0 ? 1 / Math.sqrt(sq) : 0
    for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv
    if (sq === 0) out[fnv1a(text, this.seed) % this.dimension] = 1 // every feature cancelled out: pick a direction
    return out
  }
}

function weight(name: string, w: number): number {
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new InvalidParameterError(name, 'must be >= 0')
  return w
}

/** 32-bit FNV-1a over UTF-16 code units, seeded. */
function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** A finaliser (murmur3 fmix32) so the sign bit is independent of the bucket. */
function mix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
