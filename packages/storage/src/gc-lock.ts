import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * What keeps GC from removing a block that a write in progress (an add, a pin, a CAR import) still needs, without
 * ever holding either side off for long. It works per block, not per operation:
 *
 * - A write runs in a session (`shared(fn)`). Every block it is about to write, or checks is present, through the
 *   repo's blockstore is registered as *in flight* first (`protect`), and stays so until `fn` ends, i.e. after its
 *   pin is written.
 * - A GC run opens a watch (`watch()`): every block in flight when it starts or registered while it runs is live for
 *   that run, even after its session ends (so a pin written after the sweep read the pins still protects its DAG).
 * - GC claims each candidate right before deleting it (`claim`); a block in flight or watched is refused. A write
 *   that registers a block GC is deleting at that moment waits for the delete to finish, then writes it again.
 *
 * All bookkeeping is synchronous, so in one process a claim and a registration can never interleave.
 */
export class GcLock {
  /** Block key → sessions holding it. */
  readonly #inFlight = new Map<string, number>()
  /** Keys of blocks being deleted → the delete. */
  readonly #deleting = new Map<string, Promise<void>>()
  readonly #watches = new Set<Set<string>>()
  readonly #context = new AsyncLocalStorage<Session>()

  /**
   * Runs `fn` as one write session: blocks it writes or looks up through a guarded blockstore (see `protect`) stay
   * live for GC until `fn` settles. Never waits for GC.
   */
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inSession) return fn() // nested: the outer session already holds what this one registers
    const session: Session = { keys: new Set(), open: true }
    try {
      return await this.#context.run(session, fn)
    } finally {
      // work `fn` started but did not wait for still runs in this context: from now on it registers as outside one
      session.open = false
      for (const key of session.keys) this.#unref(key)
      session.keys.clear()
    }
  }

  /** Whether the caller runs inside a write session. */
  get inSession(): boolean {
    return this.#context.getStore()?.open === true
  }

  /**
   * Registers `key` as in flight, for the caller's session (or, outside one, until the returned release is called),
   * and resolves once no delete of it is running. Call before writing or checking the block.
   */
  protect(key: string): Promise<() => void> | (() => void) {
    const session = this.#context.getStore()
    let release: () => void = noop
    if (session?.open !== true) {
      this.#ref(key)
      let released = false
      release = () => {
        if (released) return
        released = true
        this.#unref(key)
      }
    } else if (!session.keys.has(key)) {
      session.keys.add(key)
      this.#ref(key)
    }
    for (const watch of this.#watches) watch.add(key)
    const deleting = this.#deleting.get(key)
    return deleting === undefined ? release : deleting.then(() => release)
  }

  /**
   * Opens a GC watch: the returned set holds every key in flight now and every key registered until `close()`.
   */
  watch(): { readonly keys: ReadonlySet<string>; close(): void } {
    const keys = new Set(this.#inFlight.keys())
    this.#watches.add(keys)
    return { keys, close: () => this.#watches.delete(keys) }
  }

  /**
   * Claims `key` for deletion: refused (false) while it is in flight or seen by `watch`; otherwise runs `remove`,
   * during which writers registering the key wait. Resolves to whether it was deleted.
   */
  async claim(
    key: string,
    watch: ReadonlySet<string> | undefined,
    remove: () => Promise<void> | void,
  ): Promise<boolean> {
    if (this.#inFlight.has(key) || watch?.has(key) === true || this.#deleting.has(key)) return false
    let done!: () => void
    this.#deleting.set(
      key,
      new Promise<void>((resolve) => {
        done = resolve
      }),
    )
    try {
      await remove()
      return true
    } finally {
      this.#deleting.delete(key)
      done()
    }
  }

  /** Whether a write holds `key` now, or GC is deleting it. */
  holds(key: string): boolean {
    return this.#inFlight.has(key) || this.#deleting.has(key)
  }

  /** Blocks in flight now (for tests and metrics). */
  get inFlight(): number {
    return this.#inFlight.size
  }

  #ref(key: string): void {
    this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1)
  }

  #unref(key: string): void {
    const n = (this.#inFlight.get(key) ?? 1) - 1
    if (n <= 0) this.#inFlight.delete(key)
    else this.#inFlight.set(key, n)
  }
}

interface Session {
  readonly keys: Set<string>
  /** False once the session's function has settled. */
  open: boolean
}

function noop(): void {}
