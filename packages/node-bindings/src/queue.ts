/** Runs async tasks one at a time, in call order; a failed task does not stop the ones after it. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve()
  #pending = 0

  /** Tasks queued or running. */
  get pending(): number {
    return this.#pending
  }

  /** Runs `fn` after every task queued before it has settled; resolves or rejects as `fn` does. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    this.#pending++
    const next = this.#tail.then(fn, fn).finally(() => this.#pending--)
    this.#tail = next.catch(() => undefined)
    return next
  }

  /** Resolves once every task queued so far has settled. */
  async idle(): Promise<void> {
    await this.#tail
  }
}
