import { type CID, formatCid, parseCid } from '@ipfrs/core'
import type { AbortOptions } from 'abort-error'
import type { Blockstore } from 'interface-blockstore'
import { type Datastore, Key } from 'interface-datastore'
import { blockKey, walkDag } from './dag-walk.js'
import { BlockNotFoundError, CorruptPinError, NotPinnedError } from './errors.js'

/** Kubo's pin types: `recursive` pins a whole DAG, `direct` one block, `indirect` is a block under a recursive pin. */
export type PinType = 'recursive' | 'direct' | 'indirect'

export interface Pin {
  readonly cid: CID
  readonly type: PinType
}

interface PinRecord {
  cid: string
  type: 'recursive' | 'direct'
  created: number
}

const PREFIX = '/pins/'
/**
 * Roots the repo keeps besides pins (e.g. the MFS root at `/local/roots/files`): each key's value is a CID string
 * whose whole DAG GC keeps, like a recursive pin that `pin ls` does not list.
 */
export const GC_ROOTS_PREFIX = '/local/roots/'
/** Most block keys `protectedKeys` remembers across GC runs (about 100 bytes each). */
const MAX_CACHED_KEYS = 500_000
/** Recursive pins whose DAGs `protectedKeys` walks at once. */
const ROOT_WALKS = 8

/**
 * Pins kept in the datastore (one key per pinned CID). A recursive pin is only written once every block of its DAG
 * is present, so a pin never promises blocks the repo lacks.
 */
export class Pins {
  readonly #datastore: Datastore
  readonly #blockstore: Blockstore
  /**
   * Recursive pin root key → the keys of its whole DAG, from a walk that found every block. A CID's DAG never
   * changes, so GC runs after the first need not read the blocks again. Bounded by MAX_CACHED_KEYS.
   */
  readonly #reachable = new Map<string, string[]>()
  #cachedKeys = 0

  constructor(init: { datastore: Datastore; blockstore: Blockstore }) {
    this.#datastore = init.datastore
    this.#blockstore = init.blockstore
  }

  /**
   * Pins `cid` (recursively by default). Throws `ERR_BLOCK_NOT_FOUND` when a block of the DAG is missing.
   * `complete: true` skips that check, for a caller that has just written the whole DAG itself under the GC lock.
   */
  async add(cid: CID, options: AbortOptions & { recursive?: boolean; complete?: boolean } = {}): Promise<Pin> {
    const recursive = options.recursive ?? true
    if (options.complete !== true) {
      if (recursive) await walkDag(this.#blockstore, cid, options)
      else if (!(await this.#blockstore.has(cid, options))) throw new BlockNotFoundError(formatCid(cid))
    }
    const existing = await this.#read(cid)
    // a recursive pin already covers the block; Kubo keeps it rather than downgrading
    const type = existing?.type === 'recursive' ? 'recursive' : recursive ? 'recursive' : 'direct'
    const record: PinRecord = { cid: formatCid(cid), type, created: existing?.created ?? Date.now() }
    await this.#datastore.put(keyOf(cid), new TextEncoder().encode(JSON.stringify(record)), options)
    return { cid, type }
  }

  /** Removes the pin on `cid`; throws `ERR_NOT_PINNED` when there is none. Blocks stay until GC. */
  async rm(cid: CID, options: AbortOptions = {}): Promise<void> {
    if ((await this.#read(cid)) === undefined) throw new NotPinnedError(formatCid(cid))
    await this.#datastore.delete(keyOf(cid), options)
  }

  /** The pin type of `cid` itself (direct or recursive), without looking for indirect pins. */
  async type(cid: CID): Promise<'recursive' | 'direct' | undefined> {
    return (await this.#read(cid))?.type
  }

  /** Lists pins: `recursive`, `direct`, `indirect` (blocks under recursive pins), or `all` (the default). */
  async *ls(options: AbortOptions & { type?: PinType | 'all' } = {}): AsyncGenerator<Pin> {
    const want = options.type ?? 'all'
    const roots: PinRecord[] = []
    for await (const { value } of this.#datastore.query({ prefix: PREFIX }, options)) {
      const record = parseRecord(value)
      roots.push(record)
      if (want === 'all' || want === record.type) yield { cid: parseCid(record.cid), type: record.type }
    }
    if (want !== 'all' && want !== 'indirect') return
    const named = new Set(roots.map((r) => blockKey(parseCid(r.cid))))
    const visited = new Set<string>()
    for (const record of roots.filter((r) => r.type === 'recursive')) {
      const indirect: CID[] = []
      await walkDag(this.#blockstore, parseCid(record.cid), {
        ...options,
        onMissing: 'skip',
        visited,
        onVisit: (cid) => {
          if (!named.has(blockKey(cid))) indirect.push(cid)
        },
      })
      for (const cid of indirect) yield { cid, type: 'indirect' }
    }
  }

  /**
   * The keys (see `blockKey`) of every block GC must keep: each direct pin and every block reachable from a recursive
   * pin. Blocks missing from the repo are skipped.
   */
  async protectedKeys(options: AbortOptions = {}): Promise<Set<string>> {
    const keep = new Set<string>()
    const roots = new Set<string>()
    const walks = new Set<Promise<void>>()
    let failure: unknown
    for await (const record of this.#gcRoots(options)) {
      const cid = parseCid(record.cid)
      const key = blockKey(cid)
      if (record.type === 'direct') {
        keep.add(key)
        continue
      }
      roots.add(key)
      const cached = this.#reachable.get(key)
      if (cached !== undefined) {
        for (const k of cached) keep.add(k)
        continue
      }
      if (keep.has(key)) continue // under another pin, walked already
      // uncached roots are walked a few at a time (each walk reads its blocks 16 at once)
      while (walks.size >= ROOT_WALKS) await Promise.race(walks)
      if (failure !== undefined) break
      const walk: Promise<void> = this.#walkRoot(cid, key, keep, options)
        .catch((err: unknown) => {
          failure ??= err
        })
        .finally(() => walks.delete(walk))
      walks.add(walk)
    }
    await Promise.all(walks)
    if (failure !== undefined) throw failure
    for (const [key, keys] of this.#reachable) {
      if (roots.has(key)) continue
      this.#reachable.delete(key) // unpinned since
      this.#cachedKeys -= keys.length
    }
    return keep
  }

  /** Every pin record, then every extra GC root (as a recursive record). */
  async *#gcRoots(options: AbortOptions): AsyncGenerator<PinRecord> {
    for await (const { value } of this.#datastore.query({ prefix: PREFIX }, options)) yield parseRecord(value)
    for await (const { value } of this.#datastore.query({ prefix: GC_ROOTS_PREFIX }, options)) {
      yield { cid: new TextDecoder().decode(value), type: 'recursive', created: 0 }
    }
  }

  /** Walks one recursive pin's DAG into `keep`; remembers its keys when every block was there. */
  async #walkRoot(cid: CID, key: string, keep: Set<string>, options: AbortOptions): Promise<void> {
    const keys: string[] = []
    let complete = true
    await walkDag(this.#blockstore, cid, {
      ...options,
      onMissing: 'skip',
      onVisit: (c) => keys.push(blockKey(c)),
      onSkip: () => {
        complete = false
      },
    })
    for (const k of keys) keep.add(k)
    if (complete && !this.#reachable.has(key) && this.#cachedKeys + keys.length <= MAX_CACHED_KEYS) {
      this.#reachable.set(key, keys)
      this.#cachedKeys += keys.length
    }
  }

  async #read(cid: CID): Promise<PinRecord | undefined> {
    try {
      return parseRecord(await this.#datastore.get(keyOf(cid)))
    } catch (err) {
      if ((err as { name?: string }).name === 'NotFoundError') return undefined
      throw err
    }
  }
}

function keyOf(cid: CID): Key {
  return new Key(`${PREFIX}${cid.toV1().toString()}`)
}

function parseRecord(value: Uint8Array): PinRecord {
  try {
    const record = JSON.parse(new TextDecoder().decode(value)) as PinRecord
    if (typeof record.cid !== 'string' || (record.type !== 'recursive' && record.type !== 'direct'))
      throw new Error('bad shape')
    return record
  } catch (err) {
    throw new CorruptPinError({ cause: err })
  }
}
