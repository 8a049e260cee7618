import { CID } from '@ipfrs/core'
import type { AbortOptions } from 'abort-error'

/** Background provides of added roots: how many at once, how long each may take, how many may wait. */
const PROVIDE_CONCURRENCY = 8
const PROVIDE_TIMEOUT_MS = 60_000
const PROVIDE_BACKLOG = 10_000

/**
 * Provides added roots in the background, best effort (the reprovider announces them again later). At most
 * `PROVIDE_CONCURRENCY` run at once, each for at most `PROVIDE_TIMEOUT_MS`, and at most `PROVIDE_BACKLOG` wait: a
 * DHT query with no peer to ask never ends, and one pending provide per add (its query, queue job, signals and
 * closures) was what a busy daemon's heap grew by, add after add. Waiting roots are kept as strings: a CID object
 * with its digest and byte views took about 1.5 KiB of heap and buffers, 6,000 of them 9 MiB of an idle daemon
 * with no DHT peer yet (bench/soak.ts); a string takes about 80 bytes.
 */
export class ProvideQueue {
  /** The provider of the moment (the node's network), or undefined while offline. */
  readonly #provider: () => { provide(cid: CID, options: AbortOptions): Promise<void> } | undefined
  /** Provides running; the DHT may take a while (or wait for peers), so adds do not wait for them. */
  readonly #running = new Set<Promise<void>>()
  /** Added roots waiting for a slot, as strings (see above). */
  #backlog: string[] = []
  #stopping = new AbortController()

  constructor(provider: () => { provide(cid: CID, options: AbortOptions): Promise<void> } | undefined) {
    this.#provider = provider
  }

  /** Queues `cid` (dropped while offline or when the backlog is full). */
  add(cid: CID): void {
    if (this.#provider() == null || this.#backlog.length >= PROVIDE_BACKLOG) return
    this.#backlog.push(cid.toString())
    this.#start()
  }

  /** Resolves once the provides queued so far have finished (or failed). */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled(this.#running)
  }

  /** Drops the backlog and ends the running provides; the queue takes new ones afterwards. */
  async stop(): Promise<void> {
    this.#stopping.abort()
    this.#backlog = []
    await Promise.allSettled(this.#running)
    this.#stopping = new AbortController()
  }

  #start(): void {
    const provider = this.#provider()
    while (provider != null && this.#running.size < PROVIDE_CONCURRENCY && this.#backlog.length > 0) {
      const cid = CID.parse(this.#backlog.shift() as string)
      const signal = AbortSignal.any([this.#stopping.signal, AbortSignal.timeout(PROVIDE_TIMEOUT_MS)])
      const job: Promise<void> = provider
        .provide(cid, { signal })
        .catch(() => undefined)
        .finally(() => {
          this.#running.delete(job)
          this.#start()
        })
      this.#running.add(job)
    }
  }
}
