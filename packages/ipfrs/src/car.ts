import { blockLinks, type CID, hashMatches, isIpfrsError } from '@ipfrs/core'
import { blockKey, collectBytes } from '@ipfrs/storage'
import { CarBlockIterator, CarWriter } from '@ipld/car'
import type { AbortOptions } from 'abort-error'
import type { Blockstore } from 'interface-blockstore'
import { InvalidCarError } from './errors.js'

/**
 * Streams a CARv1 of the DAG under `root` (depth-first, each block once), as `ipfs dag export` does.
 * Throws `ERR_BLOCK_NOT_FOUND` when a block of the DAG is missing.
 */
export async function* exportCar(
  blockstore: Pick<Blockstore, 'get'>,
  root: CID,
  options: AbortOptions = {},
): AsyncGenerator<Uint8Array> {
  const { writer, out } = CarWriter.create([root])
  const fill = (async () => {
    try {
      const seen = new Set<string>()
      const stack: CID[] = [root]
      while (stack.length > 0) {
        const cid = stack.pop()!
        const key = blockKey(cid)
        if (seen.has(key)) continue
        seen.add(key)
        const bytes = await collectBytes(blockstore.get(cid, options))
        await writer.put({ cid, bytes })
        stack.push(...[...blockLinks(cid, bytes)].reverse())
      }
    } finally {
      await writer.close()
    }
  })()
  let failure: unknown
  fill.catch((err) => {
    failure = err
  })
  for await (const chunk of out) yield chunk
  await fill.catch(() => undefined)
  if (failure !== undefined) throw failure
}

/** What `dag import` did. */
export interface CarImportResult {
  readonly roots: CID[]
  readonly blocks: number
}

/**
 * Reads a CAR (v1 or v2) and stores its blocks, each hash-verified first: a block whose bytes do not match its CID
 * fails the import with `ERR_INVALID_CAR` and is not stored (blocks before it are, they are valid).
 */
export async function importCar(
  blockstore: Pick<Blockstore, 'put'>,
  source: AsyncIterable<Uint8Array>,
  options: AbortOptions = {},
): Promise<CarImportResult> {
  let reader: CarBlockIterator
  try {
    reader = await CarBlockIterator.fromIterable(source)
  } catch (err) {
    throw new InvalidCarError((err as Error).message, { cause: err })
  }
  let blocks = 0
  try {
    for await (const { cid, bytes } of reader) {
      options.signal?.throwIfAborted()
      if (!hashMatches(cid, bytes)) throw new InvalidCarError(`block ${cid} does not match its hash`)
      await blockstore.put(cid, bytes, options)
      blocks++
    }
  } catch (err) {
    // our own errors (a bad block, a full disk) and aborts pass through; what the CAR decoder throws is malformed input
    if (isIpfrsError(err) || (err as Error).name === 'AbortError' || (err as { syscall?: string }).syscall) throw err
    throw new InvalidCarError((err as Error).message, { cause: err })
  }
  return { roots: await reader.getRoots(), blocks }
}
