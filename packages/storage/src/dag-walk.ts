import { blockLinks, type CID } from '@ipfrs/core'
import type { AbortOptions } from 'abort-error'
import type { Blockstore } from 'interface-blockstore'
import { base32 } from 'multiformats/bases/base32'
import { collectBytes } from './bytes.js'
import { BlockNotFoundError } from './errors.js'

/** The key blocks are stored under: the multihash, so CIDv0 and CIDv1 of the same bytes are one block. */
export function blockKey(cid: CID): string {
  return base32.encode(cid.multihash.bytes)
}

export interface WalkOptions extends AbortOptions {
  /** What a missing block means: `throw` (`ERR_BLOCK_NOT_FOUND`, the default) or `skip` it and its subtree. */
  onMissing?: 'throw' | 'skip'
  /** Blocks read at once (default 16). */
  concurrency?: number
  /** Keys already visited; the walk adds to it and does not descend into what it holds. */
  visited?: Set<string>
  /** Called once for each block newly visited. */
  onVisit?: (cid: CID) => void
  /** Called for each block skipped as missing (with `onMissing: 'skip'`). */
  onSkip?: (cid: CID) => void
}

/**
 * Visits every block reachable from `root` once (raw blocks are counted without being read, they have no links).
 * Returns the set of visited block keys (see `blockKey`).
 */
export async function walkDag(
  blockstore: Pick<Blockstore, 'get' | 'has'>,
  root: CID,
  options: WalkOptions = {},
): Promise<Set<string>> {
  const visited = options.visited ?? new Set<string>()
  const concurrency = options.concurrency ?? 16
  const queue: CID[] = [root]
  let failure: unknown
  const visit = async (cid: CID): Promise<void> => {
    const key = blockKey(cid)
    if (visited.has(key)) return
    visited.add(key)
    options.onVisit?.(cid)
    if (cid.code === 0x55) {
      if (options.onMissing === 'skip') {
        if (options.onSkip != null && !(await blockstore.has(cid, options))) options.onSkip(cid)
        return
      }
      if (await blockstore.has(cid, options)) return
      throw new BlockNotFoundError(cid.toString())
    }
    let bytes: Uint8Array
    try {
      bytes = await collectBytes(blockstore.get(cid, options))
    } catch (err) {
      if (
        (err as { name?: string }).name !== 'NotFoundError' &&
        (err as { code?: string }).code !== BlockNotFoundError.code
      )
        throw err
      if (options.onMissing === 'skip') {
        options.onSkip?.(cid)
        return
      }
      throw new BlockNotFoundError(cid.toString())
    }
    for (const link of blockLinks(cid, bytes)) queue.push(link)
  }
  const workers = new Set<Promise<void>>()
  while ((queue.length > 0 || workers.size > 0) && failure === undefined) {
    while (queue.length > 0 && workers.size < concurrency) {
      const job: Promise<void> = visit(queue.shift()!)
        .catch((err) => {
          failure ??= err
        })
        .finally(() => workers.delete(job))
      workers.add(job)
    }
    if (workers.size > 0) await Promise.race(workers)
  }
  await Promise.allSettled(workers)
  if (failure !== undefined) throw failure
  return visited
}
