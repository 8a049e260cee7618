/**
 * SemanticStore: a vector index, an embedder and (optionally) a persistence directory working together.
 * indexText() embeds and stores, putWithVector() stores a caller's own embedding, query() embeds and searches.
 * With a `dir`, start() restores the index (full snapshot + deltas) and stop() saves it (delta or full, see
 * IndexPersistence.saveSmart). Every save also lands in an independent records log; when a snapshot turns out to be
 * corrupt, start() reports it (onCorruptSnapshot, `recovery`) and rebuilds the index from that log instead of
 * loading anything damaged.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Embedder, EmbedOptions } from './embedder.js'
import { readEmbedderRecord, recordOf, sameEmbedder, writeEmbedderRecord } from './embedder-record.js'
import { CorruptSnapshotError, EmbedderMismatchError, InvalidParameterError, NotStartedError } from './errors.js'
import { HnswIndex } from './hnsw-index.js'
import { IndexPersistence, type LoadResult, type SaveResult, type SnapshotRecord } from './persistence.js'
import { RecordsLog } from './records-log.js'
import { HashingTextEmbedder } from './text-embedder.js'
import type { Metric, SearchFilter, SearchHit, VectorIndex } from './vector-index.js'
import { validateInt, validateKey, validateVector } from './vectors.js'

/** Options of a SemanticStore. Everything is optional: the default is an in-memory cosine HNSW over hashed text. */
export interface SemanticStoreOptions {
  /** Persistence directory. Absent: nothing is saved. */
  readonly dir?: string
  /** Turns text into vectors. Default: a HashingTextEmbedder of `dimension` (384). */
  readonly embedder?: Embedder
  /** The index. Default: an HnswIndex of the embedder's dimension with `metric` and `hnsw` parameters. */
  readonly index?: VectorIndex
  /** Vector dimension when neither embedder nor index is given. Default 384. */
  readonly dimension?: number
  /** Metric of the default index. Default 'cosine'. */
  readonly metric?: Metric
  /** Graph parameters of the default index. */
  readonly hnsw?: { readonly M?: number; readonly efConstruction?: number; readonly efSearch?: number }
  /** Fraction of changed vectors below which a save writes a delta. Default 0.1. */
  readonly deltaThreshold?: number
  /** Called when start() finds a corrupt snapshot (before it rebuilds from the records log). */
  readonly onCorruptSnapshot?: (err: CorruptSnapshotError) => void
}

/** What start() did when it found a corrupt snapshot. */
export interface RecoveryReport {
  readonly error: CorruptSnapshotError
  /** Vectors restored from the records log. */
  readonly rebuilt: number
  /** Whether the records log itself ended in a damaged frame (records from there on were lost). */
  readonly logDamaged: boolean
}

/** A searchable, persistable collection of CID-keyed vectors with an embedder for text. */
export class SemanticStore {
  readonly index: VectorIndex
  readonly embedder: Embedder
  readonly dir: string | undefined
  /** Set when the last start() had to rebuild from the records log. */
  recovery: RecoveryReport | undefined
  /** What the last start() loaded. */
  loaded: LoadResult | undefined
  private readonly persistence: IndexPersistence | undefined
  private readonly log: RecordsLog | undefined
  private readonly onCorrupt: SemanticStoreOptions['onCorruptSnapshot']
  private started = false

  constructor(options: SemanticStoreOptions = {}) {
    const dimension = options.index?.dimension ?? options.embedder?.dimension ?? options.dimension ?? 384
    this.embedder = options.embedder ?? new HashingTextEmbedder({ dimension })
    this.index =
      options.index ??
      new HnswIndex({ dimension: this.embedder.dimension, metric: options.metric ?? 'cosine', ...options.hnsw })
    if (this.embedder.dimension !== this.index.dimension) {
      throw new InvalidParameterError(
        'embedder',
        `dimension ${this.embedder.dimension} differs from the index's ${this.index.dimension}`,
      )
    }
    this.dir = options.dir
    this.onCorrupt = options.onCorruptSnapshot
    if (options.dir !== undefined) {
      this.persistence = new IndexPersistence({
        dir: options.dir,
        ...(options.deltaThreshold === undefined ? {} : { deltaThreshold: options.deltaThreshold }),
      })
      this.log = new RecordsLog(join(options.dir, 'records.log'), this.index.dimension)
    }
  }

  /** Whether start() has run (and stop() has not). */
  get isStarted(): boolean {
    return this.started
  }

  /** Number of live vectors. */
  get size(): number {
    return this.index.size
  }

  /**
   * Restores the index from the directory (if any). A corrupt snapshot is reported and rebuilt from the log. Throws
   * EmbedderMismatchError when the directory's embedder.json names another embedder than this store's (an index
   * without a record is taken as this embedder's, and recorded).
   */
  async start(): Promise<void> {
    if (this.started) return
    if (this.persistence !== undefined && this.log !== undefined) {
      await mkdir(this.persistence.dir, { recursive: true })
      const configured = recordOf(this.embedder)
      const recorded = await readEmbedderRecord(this.persistence.dir)
      if (recorded !== undefined && !sameEmbedder(recorded, configured)) {
        throw new EmbedderMismatchError(recorded, configured)
      }
      if (recorded === undefined) await writeEmbedderRecord(this.persistence.dir, configured)
      try {
        this.loaded = await this.persistence.loadIndexWithDelta(this.index)
      } catch (err) {
        if (!(err instanceof CorruptSnapshotError)) throw err
        await this.rebuild(err)
      }
    }
    this.started = true
  }

  /** Saves (when persistent) and stops accepting calls. */
  async stop(): Promise<void> {
    if (!this.started) return
    await this.save()
    this.started = false
  }

  /** Saves the changes since the last save: a delta, or a full snapshot when many changed. No-op in memory. */
  async save(): Promise<SaveResult> {
    if (this.persistence === undefined || this.log === undefined) return { kind: 'none', records: 0, bytes: 0 }
    const pending = this.pendingRecords()
    const result = await this.persistence.saveSmart(this.index)
    if (result.kind === 'full') await this.log.rewrite(this.index.entries())
    else if (result.kind === 'delta') await this.log.append(pending)
    return result
  }

  /** Writes a full snapshot now (and compacts the records log). */
  async saveFull(): Promise<SaveResult> {
    if (this.persistence === undefined || this.log === undefined) return { kind: 'none', records: 0, bytes: 0 }
    const result = await this.persistence.saveFull(this.index)
    await this.log.rewrite(this.index.entries())
    return result
  }

  /** Embeds `text` and stores it under `cid` (replacing any earlier vector). Returns the vector. */
  async indexText(cid: string, text: string, options?: EmbedOptions): Promise<Float32Array> {
    this.assertStarted()
    validateKey(cid)
    const vector = await this.embedder.embed(text, options)
    this.putWithVector(cid, vector)
    return vector
  }

  /** Stores a caller-computed vector under `cid` (replacing any earlier vector). */
  putWithVector(cid: string, vector: Float32Array): void {
    this.assertStarted()
    validateKey(cid)
    validateVector(vector, this.index.dimension, this.index.metric)
    this.index.add(cid, vector)
    this.persistence?.recordPut(cid)
  }

  /** Removes `cid`; false when it was not there. */
  delete(cid: string): boolean {
    this.assertStarted()
    const removed = this.index.delete(cid)
    if (removed) this.persistence?.recordDelete(cid)
    return removed
  }

  has(cid: string): boolean {
    return this.index.has(cid)
  }

  /** The stored vector of `cid`. */
  get(cid: string): Float32Array | undefined {
    return this.index.get(cid)
  }

  /** Embeds `text` and returns the `k` nearest stored CIDs (optionally filtered), best first. */
  async query(text: string, k = 10, filter: SearchFilter = {}, options?: EmbedOptions): Promise<SearchHit[]> {
    this.assertStarted()
    validateInt('k', k, 0)
    const vector = await this.embedder.embed(text, options)
    return this.index.searchFiltered(vector, k, filter)
  }

  /** The `k` nearest stored CIDs to `vector`. */
  searchSimilar(vector: Float32Array, k: number): SearchHit[] {
    this.assertStarted()
    return this.index.searchSimilar(vector, k)
  }

  /** The `k` nearest stored CIDs to `vector` that pass `filter`. */
  searchFiltered(vector: Float32Array, k: number, filter: SearchFilter): SearchHit[] {
    this.assertStarted()
    return this.index.searchFiltered(vector, k, filter)
  }

  private pendingRecords(): SnapshotRecord[] {
    // what saveSmart would put in a delta, captured before it clears its dirty set
    const records: SnapshotRecord[] = []
    for (const cid of this.persistence?.dirtyCids() ?? []) {
      const vector = this.index.get(cid)
      records.push(vector === undefined ? { op: 'delete', cid } : { op: 'put', cid, vector })
    }
    return records
  }

  private async rebuild(error: CorruptSnapshotError): Promise<void> {
    if (this.persistence === undefined || this.log === undefined) throw error
    this.onCorrupt?.(error)
    for (const [cid] of [...this.index.entries()]) this.index.delete(cid) // drop anything a partial load added
    const replay = await this.log.replay()
    for (const [cid, vector] of replay.vectors) this.index.add(cid, vector)
    this.recovery = { error, rebuilt: replay.vectors.size, logDamaged: replay.damaged }
    await this.persistence.quarantine()
    await this.saveFull()
    this.loaded = { found: false, generation: 0, deltas: 0, size: this.index.size }
  }

  private assertStarted(): void {
    if (!this.started) throw new NotStartedError('the semantic store')
  }
}
