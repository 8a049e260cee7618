import type { CID } from '@ipfrs/core'
import type { GcOptions, GcResult } from '@ipfrs/node-api'
import type { Blockstore } from 'interface-blockstore'
import { blockKey } from './dag-walk.js'
import type { GcLock } from './gc-lock.js'
import type { Pins } from './pins.js'

/** The contract's GC options and result (`@ipfrs/node-api`), so the repo and every node report GC alike. */
export type { GcOptions, GcResult } from '@ipfrs/node-api'

export interface GcInit {
  /** Where blocks are deleted from. */
  readonly blockstore: Pick<Blockstore, 'delete'>
  /** Every stored block (see `listBlockKeys`). */
  readonly blockKeys: () => AsyncIterable<CID>
  readonly pins: Pins
  readonly lock: GcLock
  /** Seconds since a block was last written; undefined when it is gone. */
  readonly blockAgeSeconds: (cid: CID) => Promise<number | undefined>
  /** Removes temp files of abandoned block writes (not those of writes in progress); returns how many. */
  readonly removeTempFiles?: () => Promise<number>
}

/**
 * Removes blocks reachable from no pin. It never holds adds off: blocks in flight (see `GcLock`) when the run starts
 * or registered while it runs are live, and each candidate is claimed right before its delete, so a write of that
 * block waits for the delete and writes it again. Runs are serialized.
 */
export class OrphanGarbageCollector {
  readonly #init: GcInit
  #running: Promise<unknown> = Promise.resolve()

  constructor(init: GcInit) {
    this.#init = init
  }

  run(options: GcOptions = {}): Promise<GcResult> {
    const run = this.#running.then(() => this.#run(options))
    this.#running = run.catch(() => undefined)
    return run
  }

  async #run(options: GcOptions): Promise<GcResult> {
    const { blockstore, blockKeys, pins, lock, blockAgeSeconds } = this.#init
    const minAge = options.minAgeSeconds ?? 0
    const dryRun = options.dryRun ?? false
    options.signal?.throwIfAborted()
    // the watch opens before the pins are read: a pin written after that read is written by a session whose blocks
    // the watch sees (in flight now, or registered later)
    const watch = lock.watch()
    try {
      const keep = await pins.protectedKeys(options)
      const removed: CID[] = []
      let pinned = 0
      let tooYoung = 0
      let inFlight = 0
      for await (const cid of blockKeys()) {
        options.signal?.throwIfAborted()
        const key = blockKey(cid)
        if (keep.has(key)) {
          pinned++
          continue
        }
        if (watch.keys.has(key)) {
          inFlight++
          continue
        }
        if (minAge > 0) {
          const age = await blockAgeSeconds(cid)
          if (age === undefined) continue // removed meanwhile
          if (age < minAge) {
            tooYoung++
            continue
          }
        }
        if (dryRun) {
          removed.push(cid)
          continue
        }
        // claimed right before the delete: refused when a write registered the block since the checks above
        if (await lock.claim(key, watch.keys, async () => blockstore.delete(cid, options))) removed.push(cid)
        else inFlight++
      }
      const tempFilesRemoved = dryRun ? 0 : ((await this.#init.removeTempFiles?.()) ?? 0)
      return { removed, pinned, tooYoung, inFlight, tempFilesRemoved, dryRun }
    } finally {
      watch.close()
    }
  }
}
