import type { AbortOptions } from 'abort-error'
import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import type { BytesInput } from './bytes.js'
import { blockKey } from './dag-walk.js'
import type { GcLock } from './gc-lock.js'

/**
 * The repo's blockstore as writers see it: every put registers its block with the GC lock first (waiting for a
 * delete of that block GC is running at that moment), and inside a write session (`GcLock.shared`) so does every
 * `has` and `get`, so a block a session found present stays present until the session ends. Reads outside a
 * session go straight through.
 */
export class GuardedBlockstore implements Blockstore {
  readonly inner: Blockstore
  readonly #lock: GcLock

  constructor(inner: Blockstore, lock: GcLock) {
    this.inner = inner
    this.#lock = lock
  }

  async put(cid: CID, bytes: BytesInput, options?: AbortOptions): Promise<CID> {
    const release = await this.#lock.protect(blockKey(cid))
    try {
      options?.signal?.throwIfAborted()
      return await this.inner.put(cid, bytes, options)
    } finally {
      release()
    }
  }

  async *putMany(source: Iterable<InputPair> | AsyncIterable<InputPair>, options?: AbortOptions): AsyncGenerator<CID> {
    for await (const { cid, bytes } of source) yield await this.put(cid, bytes, options)
  }

  async *get(cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    if (this.#lock.inSession) await this.#lock.protect(blockKey(cid))
    yield* this.inner.get(cid, options)
  }

  async *getMany(source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<Pair> {
    for await (const cid of source) yield { cid, bytes: this.get(cid, options) }
  }

  getAll(options?: AbortOptions): Generator<Pair> | AsyncGenerator<Pair> {
    return this.inner.getAll(options)
  }

  async has(cid: CID, options?: AbortOptions): Promise<boolean> {
    if (this.#lock.inSession) await this.#lock.protect(blockKey(cid))
    return this.inner.has(cid, options)
  }

  async delete(cid: CID, options?: AbortOptions): Promise<void> {
    await this.inner.delete(cid, options)
  }

  async *deleteMany(source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<CID> {
    for await (const cid of source) {
      await this.delete(cid, options)
      yield cid
    }
  }
}
