import { type CID, concatBytes, formatCid } from '@ipfrs/core'
import type { AbortOptions } from 'abort-error'
import type { Blockstore } from 'interface-blockstore'
import { FetchTimeoutError } from './errors.js'

/** How long one ask for a block may go unanswered before it is asked again (capped by the whole fetch's limit). */
export const WANT_RETRY_MS = 10_000

/**
 * Blocks asked from the network at once when a read starts; each block received allows one more (TCP's slow start,
 * counted in blocks: the window doubles every round trip). The exporter asks for up to `BLOCK_READ_AHEAD` leaves at
 * once and Helia's Bitswap sender reads every wanted block before its first message, so the first leaf waited behind
 * 8 MiB of reads and sends; now it comes nearly alone and the window is wide open a few blocks later.
 */
export const FIRST_WANTS = 1

export interface SessionReaderInit {
  /** Blocks already here. */
  local: Pick<Blockstore, 'get' | 'has'>
  /** A new Bitswap session for the DAG, seeded with the peers to ask (called again for every retry round). */
  newSession: () => Pick<Blockstore, 'get'>
  /** Throws (e.g. `ERR_OFFLINE`) when there is nobody left to ask. */
  checkOnline: (cid: CID) => void
  /**
   * Calls `listener` when the last peer disconnects; returns the unsubscribe. A want then in flight stops waiting
   * for its retry interval and is checked against `checkOnline` at once.
   */
  whenOffline?: (listener: () => void) => () => void
  /** The whole fetch of one block gives up after this (`Routing.FetchTimeoutSeconds`). */
  timeoutSeconds: number
  /** Called before each block is asked for from the network. */
  onAsk?: (cid: CID) => void
  /** Called each time a want is asked again. */
  onRetry?: (cid: CID, cause: unknown) => void
  retryMs?: number
  /** Network fetches allowed at first (`FIRST_WANTS`); one more per block received. */
  firstWants?: number
}

/**
 * A blockstore reading one DAG: local blocks first, missing ones from peers through a Bitswap session. A want that
 * gets no block within `retryMs` is asked again through a fresh session (the same peers first, then whoever is
 * connected now): Helia's session sends each want once and waits for that peer's answer forever, and it evicts a
 * peer whose ask was cut short, so a message lost on the way (or a peer that stopped answering) stalled the whole
 * fetch until its time limit. A fetch that runs out of time fails with `ERR_FETCH_TIMEOUT`. Network fetches start
 * one at a time and the number allowed at once grows with every block received (`FIRST_WANTS`).
 */
export function sessionReader(init: SessionReaderInit): Pick<Blockstore, 'get' | 'has'> {
  const { local, timeoutSeconds } = init
  const retryMs = Math.max(1, Math.floor(Math.min(init.retryMs ?? WANT_RETRY_MS, (timeoutSeconds * 1000) / 3)))
  let session: Pick<Blockstore, 'get'> | undefined
  let window = init.firstWants ?? FIRST_WANTS
  let inFlight = 0
  const waiting: Array<() => void> = []
  const acquire = async (signal?: AbortSignal): Promise<void> => {
    signal?.throwIfAborted()
    if (inFlight < window) {
      inFlight++
      return
    }
    await new Promise<void>((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener('abort', abort)
        inFlight++
        resolve()
      }
      const abort = () => {
        waiting.splice(waiting.indexOf(go), 1)
        reject(signal?.reason)
      }
      waiting.push(go)
      signal?.addEventListener('abort', abort, { once: true })
    })
  }
  const release = (received: boolean) => {
    inFlight--
    if (received) window++
    while (inFlight < window && waiting.length > 0) waiting.shift()?.()
  }
  return {
    has: (cid, o) => local.has(cid, { signal: o?.signal }),
    get: async function* (cid: CID, options?: AbortOptions) {
      // only the signal goes on to Helia: a caller's onProgress expects our typed events, not Helia's own ones
      const o: AbortOptions = { signal: options?.signal }
      if (await local.has(cid, o)) {
        yield* local.get(cid, o)
        return
      }
      init.checkOnline(cid)
      await acquire(o.signal)
      let block: Uint8Array
      try {
        block = await ask(cid, o)
      } catch (err) {
        release(false)
        throw err
      }
      // the window widens before the caller sees the block, so its next wants go out at once
      release(true)
      yield block
    },
  }

  /** Asks peers for one block until it comes, asking again through a fresh session when it goes unanswered. */
  async function ask(cid: CID, o: AbortOptions): Promise<Uint8Array> {
    init.onAsk?.(cid)
    const deadline = AbortSignal.timeout(timeoutSeconds * 1000)
    const outer = o?.signal != null ? AbortSignal.any([deadline, o.signal]) : deadline
    session ??= init.newSession()
    let current = session
    // the last peer gone: the attempt in flight stops waiting for its retry interval (checkOnline then decides)
    let lost = new AbortController()
    const unsubscribe = init.whenOffline?.(() => lost.abort())
    try {
      for (;;) {
        const attempt = AbortSignal.any([outer, AbortSignal.timeout(retryMs), lost.signal])
        try {
          const parts: Uint8Array[] = []
          for await (const part of current.get(cid, { signal: attempt })) parts.push(part)
          return concatBytes(parts)
        } catch (err) {
          o?.signal?.throwIfAborted()
          if (deadline.aborted) throw new FetchTimeoutError(formatCid(cid), timeoutSeconds, { cause: err })
          // unanswered, or the session gave up (no provider found yet, its peer evicted): ask again through a fresh
          // session, one per round, shared by the wants that stalled with it; a quick failure waits a moment first
          init.onRetry?.(cid, err)
          if (!attempt.aborted) await pause(Math.min(retryMs, 1000), outer)
          if (lost.signal.aborted) lost = new AbortController()
          if (current === session) session = init.newSession()
          current = session
          init.checkOnline(cid)
        }
      }
    } finally {
      unsubscribe?.()
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
