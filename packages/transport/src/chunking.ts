/**
 * Fixed-size chunking of a byte buffer into raw-codec, sha2-256 blocks, and the reverse: reassembly of a manifest's
 * chunks into ONE freshly allocated buffer (each chunk copied in once, then hash-verified in place).
 */
import { BlockHashMismatchError, cidOf, concatBytes, hashMatches } from '@ipfrs/core'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { InvalidTensorInputError, TensorBlockNotFoundError } from './errors.js'
import type { TensorManifest } from './manifest.js'
import { CHUNK_CODEC, chunkRange, MAX_CHUNK_SIZE } from './manifest-codec.js'

/** Options of every async call: an abort signal. */
export interface AbortOptions {
  signal?: AbortSignal
}

/** How many chunk reads or writes run at once. */
const CONCURRENCY = 8

/** Splits `bytes` into views of `chunkSize` bytes (the last holds the remainder); no copies. */
export function splitChunks(bytes: Uint8Array, chunkSize: number): Uint8Array[] {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE)
    throw new InvalidTensorInputError(`chunkSize ${chunkSize} is not in 1..${MAX_CHUNK_SIZE}`)
  const out: Uint8Array[] = []
  for (let off = 0; off < bytes.byteLength; off += chunkSize)
    out.push(bytes.subarray(off, Math.min(off + chunkSize, bytes.byteLength)))
  return out
}

/** Stores `bytes` as raw chunks of `chunkSize` bytes in `blockstore`; returns their CIDs in order. */
export async function putChunks(
  blockstore: Blockstore,
  bytes: Uint8Array,
  chunkSize: number,
  options: AbortOptions = {},
): Promise<CID[]> {
  const pieces = splitChunks(bytes, chunkSize)
  const cids = new Array<CID>(pieces.length)
  await pool(pieces.length, async (i) => {
    const piece = pieces[i] as Uint8Array
    const cid = cidOf(piece, CHUNK_CODEC)
    cids[i] = cid
    await blockstore.put(cid, piece, options)
  })
  return cids
}

/** Reads one whole block from `blockstore`; a missing block throws `TensorBlockNotFoundError`. Not verified. */
export async function readBlock(blockstore: Blockstore, cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let total = 0
  try {
    for await (const part of blockstore.get(cid, options)) {
      parts.push(part)
      total += part.byteLength
    }
  } catch (err) {
    throw notFound(err, cid)
  }
  return concatBytes(parts, total)
}

/**
 * Allocates one buffer of `manifest.byteLength` bytes and copies every chunk into place, checking each chunk's size and
 * sha2-256 against its CID (`ERR_BLOCK_HASH_MISMATCH`). The result's `.buffer` holds exactly these bytes at offset 0,
 * so typed-array views over it are aligned for every dtype.
 */
export async function assembleChunks(
  blockstore: Blockstore,
  manifest: TensorManifest,
  options: AbortOptions = {},
): Promise<Uint8Array> {
  const target = new Uint8Array(new ArrayBuffer(manifest.byteLength))
  await pool(manifest.chunks.length, async (i) => {
    const cid = manifest.chunks[i] as CID
    const { offset, length } = chunkRange(manifest, i)
    let off = offset
    try {
      for await (const part of blockstore.get(cid, options)) {
        if (off + part.byteLength > offset + length) throw new BlockHashMismatchError(cid.toString())
        target.set(part, off)
        off += part.byteLength
      }
    } catch (err) {
      throw notFound(err, cid)
    }
    const slot = target.subarray(offset, offset + length)
    if (off !== offset + length || !hashMatches(cid, slot)) throw new BlockHashMismatchError(cid.toString())
  })
  return target
}

/** Runs `task(0..n-1)` with at most CONCURRENCY in flight; the first failure rejects (the rest are not started). */
async function pool(n: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  let failed = false
  const worker = async (): Promise<void> => {
    while (!failed && next < n) {
      const i = next++
      try {
        await task(i)
      } catch (err) {
        failed = true
        throw err
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, worker))
}

function notFound(err: unknown, cid: CID): unknown {
  const e = err as { name?: unknown; code?: unknown }
  if (e?.name === 'NotFoundError' || e?.code === 'ERR_NOT_FOUND' || e?.code === 'ERR_BLOCK_NOT_FOUND')
    return new TensorBlockNotFoundError(cid.toString(), { cause: err })
  return err
}
