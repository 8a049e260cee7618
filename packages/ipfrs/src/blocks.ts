import { BlockDecodeError, type CID, cidOf, formatCid, getCodec, SHA2_256 } from '@ipfrs/core'
import type { BlockPutOptions, BlockStat } from '@ipfrs/node-api'
import { BlockPinnedError, blockKey, collectBytes, type Repo } from '@ipfrs/storage'
import type { AbortOptions } from 'abort-error'
import { BlockTooLargeError } from './errors.js'

/** Kubo's limit on one block (`block put` refuses more unless told otherwise); peers drop bigger blocks. */
export const MAX_BLOCK_SIZE = 1024 * 1024

/** The contract's block options and result (Kubo's `block put` / `block stat`). */
export type { BlockPutOptions, BlockStat } from '@ipfrs/node-api'

/** Raw block operations on a repo: `block put/get/stat/rm`. */
export class BlockApi {
  readonly #repo: Repo

  constructor(repo: Repo) {
    this.#repo = repo
  }

  /** Stores bytes as one block and returns its CIDv1. */
  async put(bytes: Uint8Array, options: BlockPutOptions = {}): Promise<BlockStat> {
    const limit = MAX_BLOCK_SIZE
    if (bytes.byteLength > limit && options.allowBigBlock !== true)
      throw new BlockTooLargeError(bytes.byteLength, limit)
    const codec = getCodec(options.format ?? 'raw')
    if (codec.code !== 0x55) {
      // refuse bytes that are not valid for the codec claimed
      try {
        codec.decode(bytes)
      } catch (err) {
        throw new BlockDecodeError(`new ${options.format ?? 'raw'} block`, { cause: err })
      }
    }
    const cid = cidOf(bytes, codec.code, options.hashCode ?? SHA2_256)
    // a write session: the block stays live for GC until its pin (if any) is written
    await this.#repo.gcLock.shared(async () => {
      await this.#repo.blockstore.put(cid, bytes, options)
      if (options.pin === true) await this.#repo.pins.add(cid, { recursive: false })
    })
    return { cid, size: bytes.byteLength }
  }

  async get(cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    return collectBytes(this.#repo.blockstore.get(cid, options))
  }

  async has(cid: CID, options: AbortOptions = {}): Promise<boolean> {
    return this.#repo.blockstore.has(cid, options)
  }

  /** Every block in the repo, as raw CIDv1s (blocks are stored by multihash, so the codec is not known): `refs local`. */
  ls(): AsyncIterable<CID> {
    return this.#repo.blockKeys()
  }

  async stat(cid: CID, options: AbortOptions = {}): Promise<BlockStat> {
    return { cid, size: (await this.get(cid, options)).byteLength }
  }

  /** Removes blocks; refuses pinned ones (`ERR_BLOCK_PINNED`), missing ones fail unless `force`. */
  async rm(cids: CID[], options: AbortOptions & { force?: boolean } = {}): Promise<CID[]> {
    const repo = this.#repo
    const protectedKeys = await repo.pins.protectedKeys(options)
    const removed: CID[] = []
    for (const cid of cids) {
      if (protectedKeys.has(blockKey(cid))) {
        throw new BlockPinnedError(formatCid(cid), (await repo.pins.type(cid)) ?? 'indirect')
      }
      if (!(await repo.blockstore.has(cid, options))) {
        if (options.force === true) continue
        await this.get(cid, options) // throws ERR_BLOCK_NOT_FOUND
      }
      // claimed as GC claims: refused while an add, pin or import in progress holds the block
      if (!(await repo.gcLock.claim(blockKey(cid), undefined, () => repo.blockstore.delete(cid, options))))
        throw new BlockPinnedError(formatCid(cid), 'held by a write in progress')
      removed.push(cid)
    }
    return removed
  }
}
