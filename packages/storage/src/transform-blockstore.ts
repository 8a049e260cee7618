import { diskFullOr } from '@ipfrs/core'
import type { AbortOptions } from 'abort-error'
import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { type BytesInput, collectBytes, once } from './bytes.js'
import { blockKey } from './dag-walk.js'
import { BlockNotFoundError } from './errors.js'

/**
 * A blockstore that stores `encode(bytes)` in an inner blockstore and returns `decode(stored)` on reads:
 * the base of the compression and encryption layers. Keys are untouched, so the CID always addresses the
 * bytes the caller gave, never the stored form.
 */
export abstract class TransformBlockstore<Inner extends Blockstore = Blockstore> implements Blockstore {
  readonly inner: Inner
  readonly #writing = new Map<string, Promise<CID>>()

  constructor(inner: Inner) {
    this.inner = inner
  }

  /** Turns the caller's bytes into the stored form. */
  protected abstract encode(cid: CID, bytes: Uint8Array): Uint8Array | Promise<Uint8Array>
  /** Turns the stored form back into the caller's bytes; throws a typed error for stored bytes it cannot read. */
  protected abstract decode(cid: CID, stored: Uint8Array): Uint8Array | Promise<Uint8Array>

  /**
   * Stores a block. Concurrent puts of the same block (a file of repeated chunks) share one write: blockstore-fs
   * writes through a temp file per block name, and racing renames of it back off for a second each.
   */
  async put(cid: CID, bytes: BytesInput, options?: AbortOptions): Promise<CID> {
    const key = blockKey(cid)
    const running = this.#writing.get(key)
    if (running !== undefined) return running
    const write = (async () => {
      const stored = await this.encode(cid, await collectBytes(bytes))
      try {
        await this.inner.put(cid, stored, options)
      } catch (err) {
        throw diskFullOr(err, `writing block ${cid}`) // blockstore-fs writes to a temp file and renames: no half block
      }
      return cid
    })().finally(() => this.#writing.delete(key))
    this.#writing.set(key, write)
    return write
  }

  async *putMany(source: Iterable<InputPair> | AsyncIterable<InputPair>, options?: AbortOptions): AsyncGenerator<CID> {
    for await (const { cid, bytes } of source) yield await this.put(cid, bytes, options)
  }

  /** Reads the whole block and returns it decoded (the caller's original bytes). */
  async getBytes(cid: CID, options?: AbortOptions): Promise<Uint8Array> {
    let stored: Uint8Array
    try {
      stored = await collectBytes(this.inner.get(cid, options))
    } catch (err) {
      if ((err as { name?: string }).name === 'NotFoundError') throw new BlockNotFoundError(cid.toString())
      throw err
    }
    return this.decode(cid, stored)
  }

  async *get(cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    yield await this.getBytes(cid, options)
  }

  async *getMany(source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<Pair> {
    for await (const cid of source) yield { cid, bytes: once(await this.getBytes(cid, options)) }
  }

  async *getAll(options?: AbortOptions): AsyncGenerator<Pair> {
    for await (const { cid, bytes } of this.inner.getAll(options)) {
      yield { cid, bytes: once(await this.decode(cid, await collectBytes(bytes))) }
    }
  }

  async has(cid: CID, options?: AbortOptions): Promise<boolean> {
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
