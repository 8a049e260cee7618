/** Runs async tasks one at a time, in call order; a failed task does not stop the ones after it. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve()

  /** Runs `fn` after every task queued before it has settled; resolves or rejects as `fn` does. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.#tail.then(fn, fn)
    this.#tail = next.catch(() => undefined)
    return next
  }

  /** Resolves once every task queued so far has settled. */
  async idle(): Promise<void> {
    await this.#tail
  }
}
