import type { CID } from '@ipfrs/core'
import type { AbortOptions } from 'abort-error'
import type { Blockstore } from 'interface-blockstore'
import { blockKey } from './dag-walk.js'
import type { GcLock } from './gc-lock.js'
import type { Pins } from './pins.js'

export interface GcOptions extends AbortOptions {
  /** List what would be removed without removing anything. */
  dryRun?: boolean
  /** Spare blocks written less than this many seconds ago (default 0). */
  minAgeSeconds?: number
}

export interface GcResult {
  /** Blocks removed (or, in a dry run, that would be). */
  readonly removed: CID[]
  /** Blocks kept because they are pinned or under a recursive pin. */
  readonly pinned: number
  /** Unpinned blocks kept because they are younger than `minAgeSeconds`. */
  readonly tooYoung: number
  readonly dryRun: boolean
}

export interface GcInit {
  /** Where blocks are deleted from. */
  readonly blockstore: Pick<Blockstore, 'delete'>
  /** Every stored block (see `listBlockKeys`). */
  readonly blockKeys: () => AsyncIterable<CID>
  readonly pins: Pins
  readonly lock: GcLock
  /** Seconds since a block was last written. */
  readonly blockAgeSeconds: (cid: CID) => Promise<number>
}

/**
 * Removes blocks reachable from no pin. It holds the GC lock exclusively, so adds (which hold it shared until their
 * pin is written) never lose blocks to it; `minAgeSeconds` additionally spares recent blocks.
 */
export class OrphanGarbageCollector {
  readonly #init: GcInit

  constructor(init: GcInit) {
    this.#init = init
  }

  async run(options: GcOptions = {}): Promise<GcResult> {
    const { blockstore, blockKeys, pins, lock, blockAgeSeconds } = this.#init
    const minAge = options.minAgeSeconds ?? 0
    const dryRun = options.dryRun ?? false
    return lock.exclusive(async () => {
      const keep = await pins.protectedKeys(options)
      const removed: CID[] = []
      let pinned = 0
      let tooYoung = 0
      for await (const cid of blockKeys()) {
        options.signal?.throwIfAborted()
        if (keep.has(blockKey(cid))) {
          pinned++
          continue
        }
        if (minAge > 0 && (await blockAgeSeconds(cid)) < minAge) {
          tooYoung++
          continue
        }
        if (!dryRun) await blockstore.delete(cid, options)
        removed.push(cid)
      }
      return { removed, pinned, tooYoung, dryRun }
    })
  }
}
