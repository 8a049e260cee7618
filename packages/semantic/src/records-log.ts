/**
 * RecordsLog: the second, independent copy of a saved index, used to rebuild it when a snapshot is corrupt.
 * One append-only file of framed records (u32 body length | u32 crc32 of body | body), where a body is
 * op u8 (0 put, 1 delete) | cid length u16 | cid utf-8 | put only: dimension × f32 (little-endian).
 * Each frame is checked on its own, so damage loses only the records from the damaged frame on, never silently.
 */
import { open, readFile, rm } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { crc32 } from 'node:zlib'
import { type SnapshotRecord, writeFileAtomic } from './persistence.js'

/** What replaying a records log found. */
export interface ReplayResult {
  /** The final vector of every live CID. */
  readonly vectors: Map<string, Float32Array>
  /** Frames read and applied. */
  readonly applied: number
  /** Whether the log ended in a damaged or incomplete frame (everything from it on was ignored). */
  readonly damaged: boolean
}

/** Encodes records as log frames. */
export function encodeFrames(records: Iterable<SnapshotRecord>, dimension: number): Buffer {
  const parts: Buffer[] = []
  for (const r of records) {
    const cid = Buffer.from(r.cid, 'utf8')
    const body = Buffer.allocUnsafe(3 + cid.length + (r.op === 'put' ? dimension * 4 : 0))
    body.writeUInt8(r.op === 'put' ? 0 : 1, 0)
    body.writeUInt16LE(cid.length, 1)
    cid.copy(body, 3)
    if (r.op === 'put') body.set(new Uint8Array(r.vector.buffer, r.vector.byteOffset, dimension * 4), 3 + cid.length)
    const head = Buffer.allocUnsafe(8)
    head.writeUInt32LE(body.length, 0)
    head.writeUInt32LE(crc32(body), 4)
    parts.push(head, body)
  }
  return Buffer.concat(parts)
}

/** Replays log bytes into the final state, stopping at the first damaged frame. */
export function replayFrames(buf: Buffer, dimension: number): ReplayResult {
  const vectors = new Map<string, Float32Array>()
  let off = 0
  let applied = 0
  while (off < buf.length) {
    if (off + 8 > buf.length) break
    const len = buf.readUInt32LE(off)
    const sum = buf.readUInt32LE(off + 4)
    if (len < 3 || off + 8 + len > buf.length) break
    const body = buf.subarray(off + 8, off + 8 + len)
    if (crc32(body) !== sum) break
    const op = body.readUInt8(0)
    const cidLen = body.readUInt16LE(1)
    const want = 3 + cidLen + (op === 0 ? dimension * 4 : 0)
    if (op > 1 || want !== len) break
    const cid = body.toString('utf8', 3, 3 + cidLen)
    if (op === 1) vectors.delete(cid)
    else {
      const v = new Float32Array(dimension)
      new Uint8Array(v.buffer).set(body.subarray(3 + cidLen))
      vectors.set(cid, v)
    }
    applied++
    off += 8 + len
  }
  return { vectors, applied, damaged: off < buf.length }
}

/** An append-only records log at `file`, for vectors of `dimension`. */
export class RecordsLog {
  constructor(
    readonly file: string,
    readonly dimension: number,
  ) {}

  /** Appends records and fsyncs the file. */
  async append(records: Iterable<SnapshotRecord>): Promise<void> {
    const buf = encodeFrames(records, this.dimension)
    if (buf.length === 0) return
    const fh = await open(this.file, 'a')
    try {
      await fh.write(buf)
      await fh.sync()
    } finally {
      await fh.close()
    }
  }

  /** Atomically replaces the log with one put per entry (compaction after a full snapshot). */
  async rewrite(entries: Iterable<[string, Float32Array]>): Promise<void> {
    const records = (function* () {
      for (const [cid, vector] of entries) yield { op: 'put', cid, vector } as const
    })()
    await writeFileAtomic(dirname(this.file), basename(this.file), encodeFrames(records, this.dimension))
  }

  /** Replays the log; an absent log is an empty one. */
  async replay(): Promise<ReplayResult> {
    const buf = await readFile(this.file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return Buffer.alloc(0)
      throw err
    })
    return replayFrames(buf, this.dimension)
  }

  /** Deletes the log file. */
  async remove(): Promise<void> {
    await rm(this.file, { force: true })
  }
}
