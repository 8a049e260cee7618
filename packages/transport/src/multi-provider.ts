/**
 * The multi-provider scheduler: splits the missing chunks of one manifest across provider sessions with work
 * stealing. Chunks wait in one queue in priority order; each session is topped up from the queue front as it
 * delivers, so faster providers take more. A session with nothing left to do takes the lower-priority half of the
 * busiest session's outstanding chunks (cancelling them there). A failed session's chunks go back to the queue for
 * the others. Every chunk is stored once, after its session verified it.
 */
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { CustomProgressEvent, type ProgressEvent } from 'progress-events'
import type { TensorManifest } from './manifest.js'
import { ChunksUnavailableError, NoProvidersError } from './swap-errors.js'
import type { ProviderSession, SessionSink } from './tensorswap-client.js'

/** One delivered chunk, as reported to a progress callback. */
export interface ChunkProgress {
  index: number
  peer: string
  bytes: number
  /** Chunks stored so far in this fetch. */
  received: number
  /** Chunks this fetch needs in total. */
  total: number
}

/** `tensorswap:chunk`: one chunk verified and stored. */
export type TensorSwapProgressEvents = ProgressEvent<'tensorswap:chunk', ChunkProgress>

/** What the scheduler needs. */
export interface SchedulerInit {
  cid: CID
  manifest: TensorManifest
  /** Missing chunk indexes, in priority order. */
  missing: readonly number[]
  blockstore: Pick<Blockstore, 'put'>
  onProgress?: (event: TensorSwapProgressEvents) => void
  /** Each chunk's verified bytes, as its store begins (see `FetchOptions.onChunk`). */
  onChunk?: (index: number, bytes: Uint8Array) => void
  /**
   * Called when a session ends with `err` while chunks remain, before the scheduler decides whether any provider is
   * left: the caller may open a new session to the same provider (announced through `opening()`).
   */
  onSessionLost?: (session: ProviderSession, err: unknown) => void
}

/** Distributes chunks over sessions; `done` settles when every chunk is stored or no provider can continue. */
export class ChunkScheduler implements SessionSink {
  /** Chunks that arrived twice (a stolen chunk the first provider had already sent). */
  duplicates = 0
  readonly errors: unknown[] = []
  readonly done: Promise<void>
  readonly #init: SchedulerInit
  readonly #rank = new Map<number, number>()
  #queue: number[]
  readonly #stored: Uint8Array
  #remaining: number
  readonly #sessions = new Set<ProviderSession>()
  #resolve!: () => void
  #reject!: (err: unknown) => void
  #settled = false

  constructor(init: SchedulerInit) {
    this.#init = init
    for (const [rank, index] of init.missing.entries()) this.#rank.set(index, rank)
    this.#queue = [...init.missing]
    this.#stored = new Uint8Array(init.manifest.chunks.length)
    this.#remaining = init.missing.length
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    this.done.catch(() => undefined) // observed by the caller; avoid an unhandled rejection before it awaits
    if (this.#remaining === 0) this.#settle()
  }

  /** Whether the fetch is over (every chunk stored, aborted, or no provider left). */
  get settled(): boolean {
    return this.#settled
  }

  /** Chunks not yet stored. */
  get remaining(): number {
    return this.#remaining
  }

  /** Takes an opened session into the rotation and runs it; its failure hands its chunks to the others. */
  add(session: ProviderSession): void {
    if (this.#settled) {
      void session.finish()
      return
    }
    this.#sessions.add(session)
    session.run(this).then(
      () => this.#gone(session),
      (err) => this.#gone(session, err),
    )
    this.#refill(session)
    // a session that ran dry while this one was opening can now steal from it
    for (const s of this.#sessions) if (s !== session && s.pending.size === 0) this.#refill(s)
  }

  /** A provider could not even be opened (dial failure, refusal); counts towards "no provider could deliver". */
  failedToOpen(err: unknown): void {
    this.errors.push(err)
    this.#checkStuck()
  }

  async deliver(session: ProviderSession, index: number, bytes: Uint8Array): Promise<void> {
    if (this.#stored[index] === 1 || this.#settled) {
      this.duplicates++
    } else {
      this.#stored[index] = 1
      // a session that failed while this chunk was being verified had it put back in the queue
      if (!this.#sessions.has(session)) this.#queue = this.#queue.filter((i) => i !== index)
      this.#init.onChunk?.(index, bytes)
      await this.#init.blockstore.put(this.#init.manifest.chunks[index] as CID, bytes)
      this.#remaining--
      this.#init.onProgress?.(
        new CustomProgressEvent('tensorswap:chunk', {
          index,
          peer: session.peer,
          bytes: bytes.byteLength,
          received: this.#init.missing.length - this.#remaining,
          total: this.#init.missing.length,
        }),
      )
      // a chunk stolen from a slower session may still be wanted there
      for (const other of this.#sessions) if (other !== session && other.pending.has(index)) other.cancel([index])
    }
    if (this.#remaining === 0) this.#settle()
    else this.#refill(session)
  }

  dontHave(_session: ProviderSession, indexes: number[]): void {
    this.#requeue(indexes)
    for (const s of this.#sessions) this.#refill(s)
    this.#checkStuck()
  }

  /** Takes up to `n` chunks from the queue front for a session's REQUEST (give them back with `release`). */
  claim(n: number): number[] {
    return this.#queue.splice(0, n)
  }

  /** Returns claimed chunks whose session never opened. */
  release(indexes: readonly number[]): void {
    this.#requeue(indexes)
    for (const s of this.#sessions) this.#refill(s)
  }

  /** Ends the fetch with `reason` (e.g. the caller's abort signal fired); every session is closed. */
  abort(reason: unknown): void {
    this.#settle(reason)
  }

  /** Sessions still taking part. */
  get sessions(): number {
    return this.#sessions.size
  }

  #gone(session: ProviderSession, err?: unknown): void {
    this.#sessions.delete(session)
    if (err !== undefined) this.errors.push(err)
    this.#requeue([...session.pending, ...session.verifying])
    session.pending.clear()
    session.verifying.clear()
    for (const s of this.#sessions) this.#refill(s)
    if (err !== undefined && !this.#settled && this.#remaining > 0) this.#init.onSessionLost?.(session, err)
    this.#checkStuck()
  }

  /** Puts chunks back into the queue in priority order (unless stored or already asked of a live session). */
  #requeue(indexes: readonly number[]): void {
    const back = indexes.filter(
      (i) => this.#stored[i] === 0 && !this.#queue.includes(i) && ![...this.#sessions].some((s) => s.pending.has(i)),
    )
    if (back.length === 0) return
    this.#queue.push(...back)
    this.#queue.sort((a, b) => (this.#rank.get(a) ?? 0) - (this.#rank.get(b) ?? 0))
  }

  /**
   * Tops a session up to twice its credit window from the queue front once half a window is free (one WANT per half
   * window, not one per delivered chunk: each is a frame, a muxer frame, an encrypted message and socket writes on
   * both sides; at least 1.5 windows stay wanted, of which at most one is in flight under credit); an idle
   * session steals instead.
   */
  #refill(session: ProviderSession): void {
    if (this.#settled || !this.#sessions.has(session)) return
    const target = Math.max(2, session.window * 2)
    const take: number[] = []
    const room = target - session.pending.size
    if (room >= Math.max(1, session.window >> 1) || session.pending.size === 0) {
      // from the queue front, skipping what this provider said it lacks (those stay queued for the others)
      const skipped: number[] = []
      let k = 0
      while (k < this.#queue.length && take.length < room) {
        const i = this.#queue[k++] as number
        if (session.lacks.has(i)) skipped.push(i)
        else take.push(i)
      }
      if (k > 0) this.#queue = [...skipped, ...this.#queue.slice(k)]
    }
    if (take.length > 0) session.want(take)
    else if (session.pending.size === 0) this.#steal(session)
  }

  /** Moves the lower-priority half of the busiest other session's outstanding chunks to `thief`. */
  #steal(thief: ProviderSession): void {
    let victim: ProviderSession | undefined
    for (const s of this.#sessions) {
      if (s === thief) continue
      if (victim === undefined || s.pending.size > victim.pending.size) victim = s
    }
    if (victim === undefined || victim.pending.size === 0) return
    const outstanding = [...victim.pending].filter((i) => !thief.lacks.has(i))
    const n = Math.ceil(outstanding.length / 2)
    if (n === 0) return
    const stolen = outstanding.slice(outstanding.length - n)
    victim.cancel(stolen)
    thief.want(stolen)
  }

  /** Fails the fetch when nothing can progress: no sessions left, or no live session has what is queued. */
  #checkStuck(): void {
    if (this.#settled || this.#remaining === 0) return
    if (this.#sessions.size === 0) {
      if (this.#opening > 0) return
      this.#settle(new NoProvidersError(this.#init.cid.toString(), this.#remaining, this.errors))
      return
    }
    const busy = [...this.#sessions].some((s) => s.pending.size > 0)
    if (!busy && this.#queue.length > 0 && this.#opening === 0)
      this.#settle(new ChunksUnavailableError(this.#init.cid.toString(), this.#queue))
  }

  /** Sessions still being opened (the scheduler waits for them before giving up). */
  #opening = 0

  /** Tracks a session being opened; call the returned function when it has been added or has failed. */
  opening(): () => void {
    this.#opening++
    let once = false
    return () => {
      if (once) return
      once = true
      this.#opening--
      this.#checkStuck()
    }
  }

  #settle(err?: unknown): void {
    if (this.#settled) return
    this.#settled = true
    for (const s of this.#sessions) void s.finish()
    if (err === undefined) this.#resolve()
    else this.#reject(err)
  }
}
