// An in-memory Kademlia (no sockets) for the semantic-routing simulator: N peers with 32-bit XOR ids, k-buckets of
// up to k peers per shared-prefix length filled at random from the peers that fit, iterative lookups with α requests
// in flight per round. Keys are placed in the id space by sha256, as kad-dht does. Messages are counted as requests
// (each answered by one response); a round of up to α parallel requests is one hop.
import { createHash } from 'node:crypto'
import { mulberry32 } from '../dist/random.js'

export interface LookupStats {
  messages: number
  hops: number
  /** Peers that answered, in the order asked. */
  asked: number[]
}

/** A simulated Kademlia network of `n` peers. */
export class Kademlia {
  readonly n: number
  readonly k: number
  readonly alpha: number
  readonly ids: Uint32Array
  /** Peer indexes sorted by id, and the ids in that order. */
  readonly #sorted: Int32Array
  readonly #sortedIds: Uint32Array
  /** Routing table of peer p: table[offsets[p] .. offsets[p+1]). */
  readonly #offsets: Int32Array
  readonly #table: Int32Array

  constructor(n: number, seed: number, k = 20, alpha = 3) {
    this.n = n
    this.k = k
    this.alpha = alpha
    const rnd = mulberry32(seed)
    const seen = new Set<number>()
    this.ids = new Uint32Array(n)
    for (let i = 0; i < n; i++) {
      let id: number
      do id = Math.floor(rnd() * 2 ** 32) >>> 0
      while (seen.has(id))
      seen.add(id)
      this.ids[i] = id
    }
    this.#sorted = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => (this.ids[a] ?? 0) - (this.ids[b] ?? 0))
    this.#sortedIds = Uint32Array.from(this.#sorted, (i) => this.ids[i] ?? 0)
    // k-buckets: for each shared-prefix length l, the peers whose id agrees with ours on l bits and differs on bit l
    // form one contiguous range of the sorted ids; keep up to k of them at random.
    const rows: number[][] = []
    let total = 0
    for (let p = 0; p < n; p++) {
      const id = this.ids[p] ?? 0
      const row: number[] = []
      for (let l = 0; l < 32; l++) {
        const [lo, hi] = this.#range((Math.floor(id / 2 ** (31 - l)) ^ 1) >>> 0, l + 1)
        const size = hi - lo
        if (size <= 0) continue
        if (size <= k) for (let j = lo; j < hi; j++) row.push(this.#sorted[j] ?? 0)
        else {
          const picked = new Set<number>()
          while (picked.size < k) picked.add(lo + Math.floor(rnd() * size))
          for (const j of picked) row.push(this.#sorted[j] ?? 0)
        }
      }
      rows.push(row)
      total += row.length
    }
    this.#offsets = new Int32Array(n + 1)
    this.#table = new Int32Array(total)
    let at = 0
    for (let p = 0; p < n; p++) {
      this.#offsets[p] = at
      this.#table.set(rows[p] ?? [], at)
      at += rows[p]?.length ?? 0
    }
    this.#offsets[n] = at
  }

  /** First sorted position whose id is >= `id`. */
  #lowerBound(id: number): number {
    let lo = 0
    let hi = this.n
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.#sortedIds[mid] ?? 0) < id) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Sorted positions [lo, hi) of the ids whose top `bits` bits are `prefix`. */
  #range(prefix: number, bits: number): [number, number] {
    const span = 2 ** (32 - bits)
    const top = (prefix + 1) * span
    return [this.#lowerBound(prefix * span), top >= 2 ** 32 ? this.n : this.#lowerBound(top)]
  }

  /** The key's position in the id space (sha256, first 4 bytes, as kad-dht hashes keys). */
  static keyId(key: string): number {
    return createHash('sha256').update(key).digest().readUInt32BE(0)
  }

  /** Average routing-table size. */
  get tableSize(): number {
    return this.#table.length / this.n
  }

  /** The `count` peers closest to `target` (exact, from the sorted ids). */
  closest(target: number, count: number): number[] {
    // the peers sharing the longest prefix with target are closest; widen the prefix until it holds `count` peers
    for (let l = 32; l >= 0; l--) {
      const [lo, hi] = l === 0 ? [0, this.n] : this.#range(Math.floor(target / 2 ** (32 - l)), l)
      if (hi - lo >= count || l === 0) {
        const range = Array.from(this.#sorted.subarray(lo, hi))
        return range.sort((a, b) => ((this.ids[a]! ^ target) >>> 0) - ((this.ids[b]! ^ target) >>> 0)).slice(0, count)
      }
    }
    return []
  }

  /** Peer `p`'s routing table. */
  known(p: number): number[] {
    return Array.from(this.#table.subarray(this.#offsets[p], this.#offsets[p + 1]))
  }

  /** What peer `p` answers to FIND_NODE(target): the k closest peers in its routing table. */
  closestKnown(p: number, target: number): number[] {
    const row = this.#table.subarray(this.#offsets[p], this.#offsets[p + 1])
    return Array.from(row)
      .sort((a, b) => ((this.ids[a]! ^ target) >>> 0) - ((this.ids[b]! ^ target) >>> 0))
      .slice(0, this.k)
  }

  /**
   * An iterative lookup of `target` from peer `from`: α requests per round to the closest peers not yet asked.
   * `answer(p)` returns true when `p`'s reply ends the lookup (it held the value); otherwise the reply is p's closest
   * known peers. Without `answer`, runs until the k closest known have all been asked (a FIND_NODE to convergence).
   */
  lookup(from: number, target: number, answer?: (p: number) => boolean): LookupStats {
    const dist = (p: number) => (this.ids[p]! ^ target) >>> 0
    const known = new Map<number, number>()
    for (const p of this.closestKnown(from, target)) known.set(p, dist(p))
    const asked = new Set<number>([from])
    const stats: LookupStats = { messages: 0, hops: 0, asked: [] }
    for (;;) {
      const order = [...known.entries()].sort((a, b) => a[1] - b[1]).map(([p]) => p)
      const next = order
        .slice(0, this.k)
        .filter((p) => !asked.has(p))
        .slice(0, this.alpha)
      if (next.length === 0) return stats
      stats.hops++
      let done = false
      for (const p of next) {
        asked.add(p)
        stats.messages++
        stats.asked.push(p)
        if (answer?.(p)) done = true
        else for (const q of this.closestKnown(p, target)) if (!known.has(q)) known.set(q, dist(q))
      }
      if (done) return stats
    }
  }
}
