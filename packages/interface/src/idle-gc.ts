import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { mallocTrimmer } from './malloc-trim.js'

type Gc = (options?: {
  type?: 'major' | 'minor'
  execution?: 'sync' | 'async'
  flavor?: 'regular' | 'last-resort'
}) => void

/** V8's `gc()` (what `--expose-gc` gives), obtained without the flag on the command line; undefined if refused. */
function exposedGc(): Gc | undefined {
  try {
    setFlagsFromString('--expose-gc')
    const gc: unknown = runInNewContext('gc')
    return typeof gc === 'function' ? (gc as Gc) : undefined
  } catch {
    return undefined
  }
}

/**
 * Gives memory back to the system once the daemon goes quiet: drops what its parts keep only to answer faster while
 * busy (`onIdle`: the gateway's caches), then collects. Under load V8 grows its heap (pages it then keeps
 * pooled and committed); an idle daemon allocates nothing, so nothing ever makes V8 shrink again and the RSS stays at
 * its high-water mark (215 → 538 MiB over a soak, measured). When requests were served and then none came for
 * `idleMs`, this runs one "last resort" collection (V8's memory-pressure GC: it compacts, shrinks the young
 * generation and releases pooled pages; a plain full GC frees the objects but keeps the pages), once per busy period,
 * then asks glibc to return the free pages inside its heaps (`mallocTrimmer`: 156 → 123 MiB after a soak).
 */
export class IdleCollector {
  readonly #gc = exposedGc()
  readonly #timer: NodeJS.Timeout | undefined
  #startup: NodeJS.Timeout | undefined
  #busy = false
  #lastRequestAt = 0
  #collections = 0
  readonly #releases: Array<() => void> = []
  /** glibc's malloc_trim, loaded at the first collection (undefined: none to call). */
  #trim: (() => void) | undefined | null = null

  constructor(idleMs = 5_000) {
    if (this.#gc == null) return
    this.#timer = setInterval(() => this.#tick(idleMs), Math.max(250, idleMs / 2))
    this.#timer.unref()
  }

  /** Notes a request: the daemon is busy. */
  touch(): void {
    this.#busy = true
    this.#lastRequestAt = Date.now()
  }

  /**
   * Start-up is a busy period too: loading libp2p, Helia and the rest leaves tens of MiB of garbage and a grown
   * young generation, which an idle daemon would otherwise keep until its first requests and the quiet after them.
   * One collection `delayMs` after start-up returns them (an idle daemon 150 → 125 MiB, bench/results/daemon.md).
   */
  afterStartup(delayMs = 1_000): void {
    if (this.#gc == null) return
    this.#startup = setTimeout(() => this.#collect(), delayMs)
    this.#startup.unref()
  }

  /**
   * `release` runs before each idle collection: it drops what is kept only to be fast under load (a cache), so the
   * collection can give that memory back too.
   */
  onIdle(release: () => void): void {
    this.#releases.push(release)
  }

  /** How many idle collections ran. */
  get collections(): number {
    return this.#collections
  }

  stop(): void {
    clearInterval(this.#timer)
    clearTimeout(this.#startup)
  }

  #tick(idleMs: number): void {
    if (!this.#busy || Date.now() - this.#lastRequestAt < idleMs) return
    this.#busy = false
    this.#collect()
  }

  #collect(): void {
    this.#collections++
    for (const release of this.#releases) release()
    this.#gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' })
    // what the collection freed of native memory is back in malloc's heaps, not yet the system's
    if (this.#trim === null) this.#trim = mallocTrimmer()
    this.#trim?.()
  }
}
