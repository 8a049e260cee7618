/**
 * A least-recently-used map bounded by bytes rather than entries: each entry is counted as `sizeOf(key, value)`
 * and the oldest are dropped once the total passes `maxBytes`. An entry larger than the bound is not kept.
 * The gateway's caches use it: what a CID (and a path under it) names never changes, so only the bound matters.
 */
export class ByteLru<V> {
  readonly #entries = new Map<string, V>()
  readonly #sizeOf: (key: string, value: V) => number
  readonly maxBytes: number
  #bytes = 0

  constructor(maxBytes: number, sizeOf: (key: string, value: V) => number) {
    this.maxBytes = maxBytes
    this.#sizeOf = sizeOf
  }

  /** The bytes the entries are counted as now. */
  get bytes(): number {
    return this.#bytes
  }

  /** The value, marking it the most recently used. */
  get(key: string): V | undefined {
    const hit = this.#entries.get(key)
    if (hit === undefined) return undefined
    this.#entries.delete(key)
    this.#entries.set(key, hit)
    return hit
  }

  /** Drops every entry. */
  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }

  /** Keeps `value` (unless one is kept already, or it alone is over the bound), dropping the oldest entries. */
  set(key: string, value: V): void {
    if (this.#entries.has(key)) return
    const size = this.#sizeOf(key, value)
    if (size > this.maxBytes) return
    this.#entries.set(key, value)
    this.#bytes += size
    while (this.#bytes > this.maxBytes) {
      const [oldest, old] = this.#entries.entries().next().value as [string, V]
      this.#entries.delete(oldest)
      this.#bytes -= this.#sizeOf(oldest, old)
    }
  }
}
