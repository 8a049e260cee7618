/**
 * The in-process lock between adds and garbage collection (Kubo's "GC lock"): any number of adds and pins hold it
 * shared; GC holds it exclusively, so it never sweeps blocks of a DAG whose pin is not written yet. A waiting GC
 * keeps new adds out, so a stream of adds cannot starve it.
 */
export class GcLock {
  #readers = 0
  #writer = false
  #waitingWriters = 0
  #queue: Array<() => void> = []

  /** Runs `fn` while holding the lock shared (adds, pins). */
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#writer || this.#waitingWriters > 0) await this.#wait()
    this.#readers++
    try {
      return await fn()
    } finally {
      this.#readers--
      this.#wake()
    }
  }

  /** Runs `fn` while holding the lock exclusively (GC). */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.#waitingWriters++
    try {
      while (this.#writer || this.#readers > 0) await this.#wait()
    } finally {
      this.#waitingWriters--
    }
    this.#writer = true
    try {
      return await fn()
    } finally {
      this.#writer = false
      this.#wake()
    }
  }

  #wait(): Promise<void> {
    return new Promise((resolve) => this.#queue.push(resolve))
  }

  #wake(): void {
    const waiting = this.#queue
    this.#queue = []
    for (const resolve of waiting) resolve()
  }
}
