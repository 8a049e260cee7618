/**
 * Crash-safe index persistence: full snapshots plus delta files, each written atomically (temp file, fsync, rename,
 * fsync of the directory) and sealed with a sha-256 checksum over a fixed header and the records.
 *
 * File layout (little-endian):
 *   header (40 bytes): magic "IPFRSVEC" | version u16 | kind u8 (0 full, 1 delta) | metric u8 | dimension u32 |
 *                      count u32 | generation u32 | sequence u32 | payload length f64 | reserved u32
 *   payload: `count` records: op u8 (0 put, 1 delete) | cid length u16 | cid utf-8 | put only: dimension × f32
 *   trailer: sha-256 of header + payload (32 bytes)
 * The directory holds `index.full` (generation G) and `delta-G-1.snap`, `delta-G-2.snap`, ... applied in order.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { CorruptSnapshotError, SnapshotMismatchError } from './errors.js'
import { GRAPH_FILE, GRAPH_META, isGraphIndex, loadGraph, saveGraph } from './graph-file.js'
import type { Metric, VectorIndex } from './vector-index.js'
import { validateMetric } from './vectors.js'

const MAGIC = Buffer.from('IPFRSVEC', 'latin1')
const VERSION = 1
const HEADER = 40
const TRAILER = 32
const METRIC_IDS: Record<Metric, number> = { cosine: 0, l2: 1, ip: 2 }
const METRIC_NAMES: Metric[] = ['cosine', 'l2', 'ip']
/** The file name of the full snapshot inside the persistence directory. */
export const FULL_FILE = 'index.full'
const DELTA_RE = /^delta-(\d+)-(\d+)\.snap$/

/** One record of a snapshot: a vector stored under a CID, or the removal of a CID. */
export type SnapshotRecord =
  | { readonly op: 'put'; readonly cid: string; readonly vector: Float32Array }
  | { readonly op: 'delete'; readonly cid: string }

/** The header fields of a snapshot file. */
export interface SnapshotHeader {
  readonly kind: 'full' | 'delta'
  readonly metric: Metric
  readonly dimension: number
  readonly count: number
  readonly generation: number
  readonly sequence: number
}

/** Encodes a snapshot file: header, records, sha-256 trailer. */
export function encodeSnapshot(header: Omit<SnapshotHeader, 'count'>, records: SnapshotRecord[]): Buffer {
  const cids = records.map((r) => Buffer.from(r.cid, 'utf8'))
  let payload = 0
  records.forEach((r, i) => {
    payload += 3 + cids[i]!.length + (r.op === 'put' ? header.dimension * 4 : 0)
  })
  const buf = Buffer.allocUnsafe(HEADER + payload + TRAILER)
  MAGIC.copy(buf, 0)
  buf.writeUInt16LE(VERSION, 8)
  buf.writeUInt8(header.kind === 'full' ? 0 : 1, 10)
  buf.writeUInt8(METRIC_IDS[header.metric], 11)
  buf.writeUInt32LE(header.dimension, 12)
  buf.writeUInt32LE(records.length, 16)
  buf.writeUInt32LE(header.generation, 20)
  buf.writeUInt32LE(header.sequence, 24)
  buf.writeDoubleLE(payload, 28)
  buf.writeUInt32LE(0, 36)
  let off = HEADER
  records.forEach((r, i) => {
    const cid = cids[i]!
    if (cid.length > 0xffff) throw new RangeError(`cid longer than 65535 bytes: ${r.cid.slice(0, 40)}…`)
    buf.writeUInt8(r.op === 'put' ? 0 : 1, off)
    buf.writeUInt16LE(cid.length, off + 1)
    cid.copy(buf, off + 3)
    off += 3 + cid.length
    if (r.op === 'put') {
      buf.set(new Uint8Array(r.vector.buffer, r.vector.byteOffset, header.dimension * 4), off)
      off += header.dimension * 4
    }
  })
  createHash('sha256').update(buf.subarray(0, off)).digest().copy(buf, off)
  return buf
}

/** Decodes and verifies a snapshot file; throws CorruptSnapshotError on any inconsistency. */
export function decodeSnapshot(buf: Buffer, file = '<buffer>'): { header: SnapshotHeader; records: SnapshotRecord[] } {
  const bad = (problem: string): never => {
    throw new CorruptSnapshotError(file, problem)
  }
  if (buf.length < HEADER + TRAILER) bad(`truncated: ${buf.length} bytes`)
  if (!buf.subarray(0, 8).equals(MAGIC)) bad('bad magic')
  const version = buf.readUInt16LE(8)
  if (version !== VERSION) bad(`unsupported version ${version}`)
  const kindId = buf.readUInt8(10)
  if (kindId > 1) bad(`unknown kind ${kindId}`)
  const metric = METRIC_NAMES[buf.readUInt8(11)] ?? bad(`unknown metric id ${buf.readUInt8(11)}`)
  const dimension = buf.readUInt32LE(12)
  const count = buf.readUInt32LE(16)
  const payload = buf.readDoubleLE(28)
  if (buf.length !== HEADER + payload + TRAILER) bad(`length ${buf.length}, header says ${HEADER + payload + TRAILER}`)
  const end = HEADER + payload
  const sum = createHash('sha256').update(buf.subarray(0, end)).digest()
  if (!sum.equals(buf.subarray(end))) bad('sha-256 checksum mismatch')
  if (dimension < 1) bad('dimension 0')
  const records: SnapshotRecord[] = []
  let off = HEADER
  for (let i = 0; i < count; i++) {
    if (off + 3 > end) bad(`record ${i} runs past the payload`)
    const op = buf.readUInt8(off)
    const len = buf.readUInt16LE(off + 1)
    off += 3
    if (op > 1 || off + len > end) bad(`record ${i} is malformed`)
    const cid = buf.toString('utf8', off, off + len)
    off += len
    if (op === 1) {
      records.push({ op: 'delete', cid })
      continue
    }
    if (off + dimension * 4 > end) bad(`record ${i} vector runs past the payload`)
    const vector = new Float32Array(dimension)
    new Uint8Array(vector.buffer).set(buf.subarray(off, off + dimension * 4))
    off += dimension * 4
    records.push({ op: 'put', cid, vector })
  }
  if (off !== end) bad(`${end - off} stray bytes after ${count} records`)
  const header: SnapshotHeader = {
    kind: kindId === 0 ? 'full' : 'delta',
    metric,
    dimension,
    count,
    generation: buf.readUInt32LE(20),
    sequence: buf.readUInt32LE(24),
  }
  return { header, records }
}

/** Writes `data` to `dir/name` atomically: a temp file, fsync, rename over the target, fsync of the directory. */
export async function writeFileAtomic(
  dir: string,
  name: string,
  data: Uint8Array,
  onStep?: (step: PersistenceStep, file: string) => void,
): Promise<void> {
  const tmp = join(dir, `${name}.tmp-${randomBytes(4).toString('hex')}`)
  const fh = await open(tmp, 'w')
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  onStep?.('temp-written', tmp)
  await rename(tmp, join(dir, name))
  onStep?.('renamed', join(dir, name))
  await fsyncDir(dir)
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** Points inside a save where a test (or a tracer) can observe progress; throwing there simulates a crash. */
export type PersistenceStep = 'temp-written' | 'renamed'

/** Options of IndexPersistence. */
export interface IndexPersistenceOptions {
  /** The directory holding the snapshot files; created when missing. */
  readonly dir: string
  /** saveSmart() writes a delta while fewer than this fraction of vectors changed since the last full save. 0.1. */
  readonly deltaThreshold?: number
  /** Called at each step of an atomic write (for crash tests). */
  readonly onStep?: (step: PersistenceStep, file: string) => void
}

/** What a save wrote. */
export interface SaveResult {
  readonly kind: 'full' | 'delta' | 'none'
  readonly file?: string
  readonly records: number
  readonly bytes: number
}

/** What a load read. */
export interface LoadResult {
  /** Whether a full snapshot was found. */
  readonly found: boolean
  readonly generation: number
  readonly deltas: number
  /** Live vectors in the index afterwards. */
  readonly size: number
  /** Whether the full snapshot's search graph was loaded as saved (else its vectors were re-inserted). */
  readonly graph?: boolean
}

/**
 * Saves and loads a VectorIndex under a directory. The caller reports each mutation with recordPut/recordDelete
 * (SemanticStore does) so that saveSmart() knows what changed since the last full snapshot.
 */
export class IndexPersistence {
  readonly dir: string
  readonly deltaThreshold: number
  private readonly onStep: IndexPersistenceOptions['onStep']
  private generation = 0
  private sequence = 0
  private hasFull = false
  /** CIDs changed since the last save of either kind. */
  private readonly pending = new Set<string>()
  /** CIDs changed since the last full save. */
  private readonly sinceFull = new Set<string>()

  constructor(options: IndexPersistenceOptions) {
    this.dir = options.dir
    this.deltaThreshold = options.deltaThreshold ?? 0.1
    this.onStep = options.onStep
  }

  /** Notes that `cid` was added or updated in the index. */
  recordPut(cid: string): void {
    this.pending.add(cid)
    this.sinceFull.add(cid)
  }

  /** Notes that `cid` was deleted from the index. */
  recordDelete(cid: string): void {
    this.recordPut(cid)
  }

  /** CIDs changed since the last save. */
  get dirtyCount(): number {
    return this.pending.size
  }

  /** The CIDs changed since the last save. */
  dirtyCids(): string[] {
    return [...this.pending]
  }

  /** CIDs changed since the last full save, as a fraction of the index size. */
  changedFraction(index: VectorIndex): number {
    return this.sinceFull.size / Math.max(1, index.size)
  }

  /** A delta when a full snapshot exists and fewer than `deltaThreshold` of the vectors changed since; else full. */
  async saveSmart(index: VectorIndex): Promise<SaveResult> {
    if (this.hasFull && this.pending.size === 0) return { kind: 'none', records: 0, bytes: 0 }
    if (this.hasFull && this.changedFraction(index) < this.deltaThreshold) return this.saveDelta(index)
    return this.saveFull(index)
  }

  /** Writes every vector as a new generation's full snapshot, then drops the older generation's deltas. */
  async saveFull(index: VectorIndex): Promise<SaveResult> {
    await mkdir(this.dir, { recursive: true })
    if (!this.hasFull) this.generation = Math.max(this.generation, await this.highestGeneration())
    const generation = this.generation + 1
    const records: SnapshotRecord[] = []
    for (const [cid, vector] of index.entries()) records.push({ op: 'put', cid, vector })
    const buf = encodeSnapshot(
      { kind: 'full', metric: index.metric, dimension: index.dimension, generation, sequence: 0 },
      records,
    )
    await writeFileAtomic(this.dir, FULL_FILE, buf, this.onStep)
    // the graph only spares the next start a rebuild: without it (or if this fails) the snapshot is still complete
    if (isGraphIndex(index)) await saveGraph(this.dir, generation, index).catch(() => undefined)
    this.generation = generation
    this.sequence = 0
    this.hasFull = true
    this.pending.clear()
    this.sinceFull.clear()
    await this.removeStale()
    return { kind: 'full', file: join(this.dir, FULL_FILE), records: records.length, bytes: buf.length }
  }

  /** Writes the changes since the last save as the next delta of the current generation. */
  async saveDelta(index: VectorIndex): Promise<SaveResult> {
    if (!this.hasFull) return this.saveFull(index)
    if (this.pending.size === 0) return { kind: 'none', records: 0, bytes: 0 }
    const records: SnapshotRecord[] = []
    for (const cid of this.pending) {
      const vector = index.get(cid)
      records.push(vector === undefined ? { op: 'delete', cid } : { op: 'put', cid, vector })
    }
    const sequence = this.sequence + 1
    const name = `delta-${this.generation}-${sequence}.snap`
    const buf = encodeSnapshot(
      { kind: 'delta', metric: index.metric, dimension: index.dimension, generation: this.generation, sequence },
      records,
    )
    await writeFileAtomic(this.dir, name, buf, this.onStep)
    this.sequence = sequence
    this.pending.clear()
    return { kind: 'delta', file: join(this.dir, name), records: records.length, bytes: buf.length }
  }

  /**
   * Loads the full snapshot and then its generation's deltas in order into `index` (which should be empty).
   * Throws CorruptSnapshotError for a damaged file or a gap in the delta sequence, SnapshotMismatchError when the
   * files were written for another dimension or metric. Leftover temp files of interrupted saves are removed.
   */
  async loadIndexWithDelta(index: VectorIndex): Promise<LoadResult> {
    await mkdir(this.dir, { recursive: true })
    const names = await readdir(this.dir)
    for (const n of names) if (n.includes('.tmp-')) await rm(join(this.dir, n), { force: true })
    if (!names.includes(FULL_FILE)) return { found: false, generation: 0, deltas: 0, size: index.size }
    const full = await this.readChecked(FULL_FILE, index)
    const generation = full.header.generation
    const vectors = new Map<string, Float32Array>()
    for (const r of full.records) if (r.op === 'put') vectors.set(r.cid, r.vector)
    const graph = index.size === 0 && isGraphIndex(index) && (await loadGraph(this.dir, generation, index, vectors))
    if (!graph) for (const [cid, vector] of vectors) index.add(cid, vector)
    const deltas = names
      .map((n) => DELTA_RE.exec(n))
      .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) === generation)
      .map((m) => ({ name: m[0], seq: Number(m[2]) }))
      .sort((a, b) => a.seq - b.seq)
    this.pending.clear()
    this.sinceFull.clear()
    for (const [i, d] of deltas.entries()) {
      if (d.seq !== i + 1) throw new CorruptSnapshotError(join(this.dir, d.name), `delta ${i + 1} is missing`)
      const delta = await this.readChecked(d.name, index)
      for (const r of delta.records) {
        if (r.op === 'put') index.add(r.cid, r.vector)
        else index.delete(r.cid)
        this.sinceFull.add(r.cid)
      }
    }
    this.generation = generation
    this.sequence = deltas.length
    this.hasFull = true
    return { found: true, generation, deltas: deltas.length, size: index.size, graph }
  }

  /** Moves a damaged snapshot aside (to `<name>.corrupt-<time>`) so the next save starts a clean generation. */
  async quarantine(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[])
    const stamp = Date.now()
    for (const n of names) {
      if (n === FULL_FILE || DELTA_RE.test(n)) await rename(join(this.dir, n), join(this.dir, `${n}.corrupt-${stamp}`))
      // a graph saved for the damaged snapshot must never be matched with a later one
      if (n === GRAPH_FILE || n === GRAPH_META) await rm(join(this.dir, n), { force: true })
    }
    this.hasFull = false
    this.sequence = 0
  }

  private async readChecked(name: string, index: VectorIndex) {
    const file = join(this.dir, name)
    const decoded = decodeSnapshot(await readFile(file), file)
    const { header } = decoded
    if (header.dimension !== index.dimension || header.metric !== validateMetric(index.metric)) {
      throw new SnapshotMismatchError(
        file,
        `written for ${header.dimension}-d ${header.metric}, index is ${index.dimension}-d ${index.metric}`,
      )
    }
    return decoded
  }

  private async highestGeneration(): Promise<number> {
    let g = 0
    for (const n of await readdir(this.dir)) {
      const m = DELTA_RE.exec(n)
      if (m) g = Math.max(g, Number(m[1]))
    }
    const fh = await open(join(this.dir, FULL_FILE), 'r').catch(() => undefined)
    if (fh === undefined) return g
    try {
      const head = Buffer.alloc(HEADER)
      const { bytesRead } = await fh.read(head, 0, HEADER, 0)
      // a damaged header is ignored here: the deltas' generations are enough to pick a fresh number
      if (bytesRead === HEADER && head.subarray(0, 8).equals(MAGIC)) g = Math.max(g, head.readUInt32LE(20))
    } finally {
      await fh.close()
    }
    return g
  }

  private async removeStale(): Promise<void> {
    for (const n of await readdir(this.dir)) {
      const m = DELTA_RE.exec(n)
      if (m && Number(m[1]) !== this.generation) await rm(join(this.dir, n), { force: true })
    }
  }
}
