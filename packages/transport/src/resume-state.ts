/**
 * Resume state of a TensorSwap fetch. The receiver's blockstore is the record of progress: a chunk is put there only
 * after its bytes were verified against its CID, so `has()` tells exactly which chunks survived a dropped connection
 * or a process restart (with a persistent blockstore such as blockstore-fs), and a new fetch asks only for the rest.
 * No side file can go stale, and nothing unverified is ever counted as present.
 */
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import type { TensorManifest } from './manifest.js'
import { chunkRange } from './manifest-codec.js'
import { InvalidPriorityError } from './swap-errors.js'

/** How many `has()` checks run at once. */
const HAS_CONCURRENCY = 16

/**
 * All chunk indexes of a manifest in fetch order: the `priority` indexes first (in the given order, duplicates
 * dropped), then every other index ascending. An index out of range throws `InvalidPriorityError`.
 */
export function fetchOrder(chunkCount: number, priority: readonly number[] = []): number[] {
  const seen = new Uint8Array(chunkCount)
  const out: number[] = []
  for (const i of priority) {
    if (!Number.isInteger(i) || i < 0 || i >= chunkCount) throw new InvalidPriorityError(i, chunkCount)
    if (seen[i] === 1) continue
    seen[i] = 1
    out.push(i)
  }
  for (let i = 0; i < chunkCount; i++) if (seen[i] === 0) out.push(i)
  return out
}

/** The indexes of the chunks that hold bytes `[offset, offset + length)` of the content (e.g. one tensor's slice). */
export function chunksOfRange(manifest: TensorManifest, offset: number, length: number): number[] {
  if (offset < 0 || length < 0 || offset + length > manifest.byteLength)
    throw new InvalidPriorityError(offset, manifest.byteLength)
  if (length === 0) return []
  const first = Math.floor(offset / manifest.chunkSize)
  const last = Math.floor((offset + length - 1) / manifest.chunkSize)
  const out: number[] = []
  for (let i = first; i <= last; i++) out.push(i)
  return out
}

/** The chunks of `manifest` the blockstore lacks, in fetch order (see `fetchOrder`). */
export async function missingChunks(
  blockstore: Pick<Blockstore, 'has'>,
  manifest: TensorManifest,
  options: { priority?: readonly number[]; signal?: AbortSignal } = {},
): Promise<number[]> {
  const order = fetchOrder(manifest.chunks.length, options.priority)
  const missing = new Uint8Array(order.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < order.length) {
      const pos = next++
      const index = order[pos] as number
      const has = await blockstore.has(manifest.chunks[index] as CID, { signal: options.signal })
      if (!has) missing[pos] = 1
    }
  }
  await Promise.all(Array.from({ length: Math.min(HAS_CONCURRENCY, order.length) }, worker))
  return order.filter((_, pos) => missing[pos] === 1)
}

/** Total bytes of the given chunks (what a fetch of exactly those chunks moves as payload). */
export function bytesOfChunks(manifest: TensorManifest, indexes: readonly number[]): number {
  let total = 0
  for (const i of indexes) total += chunkRange(manifest, i).length
  return total
}
