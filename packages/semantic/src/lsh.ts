/**
 * Locality-sensitive hashing of vectors to DHT keys: `tables` independent tables of `bits` random hyperplanes each.
 * A vector's code in one table is the signs of its projections; vectors at a small angle share a code with high
 * probability, so similar vectors meet at the same DHT key. The hyperplanes come from a fixed, documented seed
 * (LSH_SEED, mixed with the dimension and the table shape), so every peer derives the same keys without talking.
 */
import { InvalidParameterError } from './errors.js'
import { mulberry32 } from './random.js'
import { dot, validateInt } from './vectors.js'

/** The seed every peer uses for the hyperplanes ("IPFR" in ASCII). Changing it changes every key: it is protocol. */
export const LSH_SEED = 0x49504652

/** Version of the key layout, the first part of every key. */
const KEY_PREFIX = '/ipfrs-lsh/1'

/** The shape of the hash family; all peers of one network must agree on it (it is part of every key). */
export interface LshParams {
  readonly dimension: number
  /** Independent tables (default 8). */
  readonly tables?: number
  /** Hyperplanes per table, 1..24 (default 8: 256 buckets per table, as measured by the simulator). */
  readonly bits?: number
}

/** One DHT key to look up, with the multi-probe score that chose it (0 = the vector's own bucket, higher = farther). */
export interface LshProbe {
  readonly key: string
  readonly table: number
  readonly code: number
  readonly score: number
}

/** Normal deviates from a seeded uniform source (Box–Muller). */
function gaussian(uniform: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(uniform() || 1e-12)) * Math.cos(2 * Math.PI * uniform())
}

/**
 * The hash family: derives bucket keys for indexing (`keys`) and a ranked list of probe keys for searching
 * (`probes`: the query's own bucket in every table, then the neighbouring buckets whose differing hyperplanes lie
 * nearest the query, as in multi-probe LSH).
 */
export class LshHasher {
  readonly dimension: number
  readonly tables: number
  readonly bits: number
  /** tables * bits hyperplanes, each `dimension` floats, row-major. */
  readonly #planes: Float32Array

  constructor(params: LshParams) {
    this.dimension = validateInt('dimension', params.dimension, 1, 65_536)
    this.tables = validateInt('tables', params.tables ?? 8, 1, 64)
    this.bits = validateInt('bits', params.bits ?? 8, 1, 24)
    const normal = gaussian(mulberry32((LSH_SEED ^ Math.imul(this.dimension, 0x9e3779b1)) >>> 0))
    this.#planes = new Float32Array(this.tables * this.bits * this.dimension)
    for (let i = 0; i < this.#planes.length; i++) this.#planes[i] = normal()
  }

  /** The key prefix shared by every key of this family (dimension and shape included, so mismatched peers never meet). */
  get namespace(): string {
    return `${KEY_PREFIX}/${this.dimension}/${this.tables}x${this.bits}`
  }

  /** The key of bucket `code` in `table`. */
  key(table: number, code: number): string {
    return `${this.namespace}/${table}/${code.toString(16)}`
  }

  /** Projections of `v` on every hyperplane (tables * bits values). */
  project(v: Float32Array): Float64Array {
    if (v.length !== this.dimension) {
      throw new InvalidParameterError('vector', `${v.length} dimensions, the hash family has ${this.dimension}`)
    }
    const out = new Float64Array(this.tables * this.bits)
    for (let i = 0; i < out.length; i++)
      out[i] = dot(v, this.#planes.subarray(i * this.dimension, (i + 1) * this.dimension))
    return out
  }

  /** The bucket code of `v` in every table. */
  codes(v: Float32Array, projections = this.project(v)): number[] {
    const codes: number[] = []
    for (let t = 0; t < this.tables; t++) {
      let code = 0
      for (let b = 0; b < this.bits; b++) if ((projections[t * this.bits + b] ?? 0) >= 0) code |= 1 << b
      codes.push(code >>> 0)
    }
    return codes
  }

  /** The keys `v` is indexed under: one per table. */
  keys(v: Float32Array): string[] {
    return this.codes(v).map((code, t) => this.key(t, code))
  }

  /**
   * The `n` keys most likely to hold `v`'s neighbours, best first: every table's own bucket (score 0), then buckets
   * reached by flipping the bits whose hyperplanes pass nearest `v` (score: sum of the squared projections flipped,
   * normalised by |v|²). Flips are drawn from each table's `depth` least certain bits (default 4).
   */
  probes(v: Float32Array, n: number, depth = 4): LshProbe[] {
    validateInt('probes', n, 1, 4096)
    const p = this.project(v)
    const codes = this.codes(v, p)
    const n2 = dot(v, v) || 1
    const all: LshProbe[] = []
    const d = Math.min(depth, this.bits)
    for (let t = 0; t < this.tables; t++) {
      const code = codes[t] ?? 0
      const order = Array.from({ length: this.bits }, (_, b) => b).sort(
        (a, b) => Math.abs(p[t * this.bits + a] ?? 0) - Math.abs(p[t * this.bits + b] ?? 0),
      )
      for (let mask = 0; mask < 1 << d; mask++) {
        let flipped = code
        let score = 0
        for (let j = 0; j < d; j++) {
          if ((mask & (1 << j)) === 0) continue
          const bit = order[j] ?? 0
          flipped ^= 1 << bit
          score += (p[t * this.bits + bit] ?? 0) ** 2 / n2
        }
        all.push({ key: this.key(t, flipped >>> 0), table: t, code: flipped >>> 0, score })
      }
    }
    return all.sort((a, b) => a.score - b.score || a.table - b.table).slice(0, n)
  }
}
