import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isIpfrsError } from '@ipfrs/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FlatIndex } from '../src/flat-index.js'
import { HnswIndex } from '../src/hnsw-index.js'
import { decodeSnapshot, encodeSnapshot, FULL_FILE, IndexPersistence } from '../src/persistence.js'
import { RecordsLog, replayFrames } from '../src/records-log.js'
import { SemanticStore } from '../src/semantic-store.js'
import type { VectorIndex } from '../src/vector-index.js'
import { vec } from './helpers.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipfrs-semantic-persist-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function populate(index: VectorIndex, n: number, from = 0): void {
  for (let i = from; i < from + n; i++) index.add(`cid${i}`, vec(i, index.dimension))
}

function snapshotOf(index: VectorIndex): Map<string, Float32Array> {
  return new Map(index.entries())
}

async function expectRejectCode(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p
  } catch (err) {
    expect(isIpfrsError(err, code), `expected ${code}, got ${String(err)}`).toBe(true)
    return
  }
  throw new Error(`expected ${code}, resolved`)
}

describe('snapshot format', () => {
  it('round-trips records and rejects every kind of damage', () => {
    const header = { kind: 'delta', metric: 'l2', dimension: 4, generation: 3, sequence: 2 } as const
    const records = [
      { op: 'put', cid: 'bafyé', vector: new Float32Array([1, 2, 3, 4]) },
      { op: 'delete', cid: 'gone' },
    ] as const
    const buf = encodeSnapshot(header, [...records])
    const back = decodeSnapshot(buf)
    expect(back.header).toEqual({ ...header, count: 2 })
    expect(back.records).toEqual(records)
    for (const damaged of [
      buf.subarray(0, buf.length - 1), // truncated
      Buffer.concat([buf, Buffer.from([0])]), // trailing byte
      Buffer.from(buf).fill(0x41, 0, 8), // bad magic
      (() => {
        const b = Buffer.from(buf)
        b[50] = b[50]! ^ 0xff // a flipped payload bit
        return b
      })(),
      Buffer.alloc(10),
    ]) {
      expect(() => decodeSnapshot(damaged)).toThrowError(expect.objectContaining({ code: 'ERR_CORRUPT_SNAPSHOT' }))
    }
  })
})

describe('IndexPersistence', () => {
  it('round-trips a full snapshot into a fresh HNSW index', async () => {
    const a = new HnswIndex({ dimension: 16, metric: 'l2' })
    populate(a, 300)
    const p = new IndexPersistence({ dir })
    const saved = await p.saveFull(a)
    expect(saved).toMatchObject({ kind: 'full', records: 300 })
    const b = new HnswIndex({ dimension: 16, metric: 'l2' })
    const loaded = await new IndexPersistence({ dir }).loadIndexWithDelta(b)
    expect(loaded).toMatchObject({ found: true, deltas: 0, size: 300 })
    expect(snapshotOf(b)).toEqual(snapshotOf(a))
    expect(b.searchSimilar(vec(7), 5)).toEqual(a.searchSimilar(vec(7), 5))
  })

  it('applies deltas in order on top of the full snapshot', async () => {
    const a = new FlatIndex({ dimension: 16 })
    const p = new IndexPersistence({ dir })
    populate(a, 100)
    await p.saveFull(a)
    a.update('cid1', vec(1001))
    p.recordPut('cid1')
    a.delete('cid2')
    p.recordDelete('cid2')
    a.add('new', vec(2000))
    p.recordPut('new')
    expect(await p.saveDelta(a)).toMatchObject({ kind: 'delta', records: 3 })
    a.update('cid1', vec(1002)) // a second change of the same CID in a later delta must win
    p.recordPut('cid1')
    a.add('cid2', vec(1003)) // re-added after its deletion
    p.recordPut('cid2')
    expect(await p.saveDelta(a)).toMatchObject({ kind: 'delta', records: 2 })
    expect((await readdir(dir)).sort()).toEqual(['delta-1-1.snap', 'delta-1-2.snap', FULL_FILE])
    const b = new FlatIndex({ dimension: 16 })
    expect(await new IndexPersistence({ dir }).loadIndexWithDelta(b)).toMatchObject({ deltas: 2, size: 101 })
    expect(snapshotOf(b)).toEqual(snapshotOf(a))
  })

  it('saveSmart writes a delta at 1% dirty and a full snapshot (dropping deltas) at 20%', async () => {
    const a = new FlatIndex({ dimension: 16 })
    const p = new IndexPersistence({ dir })
    populate(a, 1000)
    expect((await p.saveSmart(a)).kind).toBe('full') // nothing saved yet
    expect((await p.saveSmart(a)).kind).toBe('none') // nothing changed
    for (let i = 0; i < 10; i++) {
      a.update(`cid${i}`, vec(5000 + i))
      p.recordPut(`cid${i}`)
    }
    expect(p.changedFraction(a)).toBeCloseTo(0.01)
    const small = await p.saveSmart(a)
    expect(small).toMatchObject({ kind: 'delta', records: 10 })
    for (let i = 100; i < 300; i++) {
      a.delete(`cid${i}`)
      p.recordDelete(`cid${i}`)
    }
    const big = await p.saveSmart(a)
    expect(big).toMatchObject({ kind: 'full', records: 800 })
    expect(small.bytes).toBeLessThan(big.bytes / 10)
    expect(await readdir(dir)).toEqual([FULL_FILE])
    const b = new FlatIndex({ dimension: 16 })
    await new IndexPersistence({ dir }).loadIndexWithDelta(b)
    expect(snapshotOf(b)).toEqual(snapshotOf(a))
  })

  it('counts changes across restarts: deltas loaded from disk still count toward the 10% rule', async () => {
    const a = new FlatIndex({ dimension: 16 })
    const p = new IndexPersistence({ dir })
    populate(a, 100)
    await p.saveFull(a)
    for (let i = 0; i < 8; i++) {
      a.update(`cid${i}`, vec(900 + i))
      p.recordPut(`cid${i}`)
    }
    expect((await p.saveSmart(a)).kind).toBe('delta')
    const b = new FlatIndex({ dimension: 16 })
    const q = new IndexPersistence({ dir })
    await q.loadIndexWithDelta(b)
    for (let i = 50; i < 53; i++) {
      b.update(`cid${i}`, vec(700 + i))
      q.recordPut(`cid${i}`)
    }
    expect(q.changedFraction(b)).toBeCloseTo(0.11)
    expect((await q.saveSmart(b)).kind).toBe('full')
  })

  it('a crash between writing the temp file and the rename leaves the previous snapshot loadable', async () => {
    const a = new FlatIndex({ dimension: 16 })
    populate(a, 50)
    await new IndexPersistence({ dir }).saveFull(a)
    const before = snapshotOf(a)
    populate(a, 50, 50)
    const crashing = new IndexPersistence({
      dir,
      onStep: (step) => {
        if (step === 'temp-written') throw new Error('simulated crash')
      },
    })
    await expect(crashing.saveFull(a)).rejects.toThrow('simulated crash')
    expect((await readdir(dir)).some((n) => n.includes('.tmp-'))).toBe(true)
    // and a half-written temp file from a process killed mid-write
    await writeFile(join(dir, `${FULL_FILE}.tmp-deadbeef`), (await readFile(join(dir, FULL_FILE))).subarray(0, 100))
    const b = new FlatIndex({ dimension: 16 })
    expect(await new IndexPersistence({ dir }).loadIndexWithDelta(b)).toMatchObject({ size: 50 })
    expect(snapshotOf(b)).toEqual(before)
    expect(await readdir(dir)).toEqual([FULL_FILE]) // leftovers cleaned
  })

  it('a crash during a delta save keeps the earlier state', async () => {
    const a = new FlatIndex({ dimension: 16 })
    const ok = new IndexPersistence({ dir })
    populate(a, 50)
    await ok.saveFull(a)
    const before = snapshotOf(a)
    const crashing = new IndexPersistence({
      dir,
      onStep: (step) => {
        if (step === 'temp-written') throw new Error('simulated crash')
      },
    })
    await crashing.loadIndexWithDelta(new FlatIndex({ dimension: 16 }))
    a.update('cid3', vec(333))
    crashing.recordPut('cid3')
    await expect(crashing.saveDelta(a)).rejects.toThrow('simulated crash')
    const b = new FlatIndex({ dimension: 16 })
    await new IndexPersistence({ dir }).loadIndexWithDelta(b)
    expect(snapshotOf(b)).toEqual(before)
  })

  it('reports corrupt, truncated, missing-delta and mismatched snapshots with typed errors', async () => {
    const a = new FlatIndex({ dimension: 16 })
    const p = new IndexPersistence({ dir })
    populate(a, 40)
    await p.saveFull(a)
    a.update('cid0', vec(77))
    p.recordPut('cid0')
    await p.saveDelta(a)
    a.update('cid1', vec(78))
    p.recordPut('cid1')
    await p.saveDelta(a)
    const load = () => new IndexPersistence({ dir }).loadIndexWithDelta(new FlatIndex({ dimension: 16 }))
    await expectRejectCode(
      new IndexPersistence({ dir }).loadIndexWithDelta(new FlatIndex({ dimension: 8 })),
      'ERR_SNAPSHOT_MISMATCH',
    )
    await expectRejectCode(
      new IndexPersistence({ dir }).loadIndexWithDelta(new FlatIndex({ dimension: 16, metric: 'ip' })),
      'ERR_SNAPSHOT_MISMATCH',
    )
    const d1 = join(dir, 'delta-1-1.snap')
    const d1bytes = await readFile(d1)
    await rm(d1)
    await expectRejectCode(load(), 'ERR_CORRUPT_SNAPSHOT') // gap: delta 1 missing, delta 2 present
    const flipped = Buffer.from(d1bytes)
    flipped[60] = flipped[60]! ^ 1
    await writeFile(d1, flipped)
    await expectRejectCode(load(), 'ERR_CORRUPT_SNAPSHOT')
    await writeFile(d1, d1bytes)
    await expect(load()).resolves.toMatchObject({ deltas: 2 })
    const full = await readFile(join(dir, FULL_FILE))
    await writeFile(join(dir, FULL_FILE), full.subarray(0, full.length - 7))
    await expectRejectCode(load(), 'ERR_CORRUPT_SNAPSHOT')
  })
})

describe('SemanticStore persistence', () => {
  const docs: Record<string, string> = {
    bafy1: 'content addressed storage of immutable blocks',
    bafy2: 'peer to peer networking with libp2p streams',
    bafy3: 'vector similarity search with hnsw graphs',
    bafy4: 'logic programming rules and inference',
  }

  it('restores on start what stop saved, full then delta', async () => {
    const s1 = new SemanticStore({ dir, dimension: 128 })
    await s1.start()
    for (const [cid, text] of Object.entries(docs)) await s1.indexText(cid, text)
    await s1.stop()
    const s2 = new SemanticStore({ dir, dimension: 128 })
    await s2.start()
    expect(s2.size).toBe(4)
    expect((await s2.query('hnsw vector search', 1))[0]!.cid).toBe('bafy3')
    s2.delete('bafy3')
    expect(await s2.save()).toMatchObject({ kind: 'full' }) // 1 of 3 changed is over 10%
    s2.putWithVector('own', (await s2.embedder.embed('vector similarity search with hnsw graphs')) as Float32Array)
    await s2.stop()
    const s3 = new SemanticStore({ dir, dimension: 128 })
    await s3.start()
    expect(s3.has('bafy3')).toBe(false)
    expect((await s3.query('hnsw vector search', 1))[0]!.cid).toBe('own')
    await s3.stop()
  })

  it('detects a corrupt snapshot, reports it, and rebuilds from the records log', async () => {
    const s1 = new SemanticStore({ dir, dimension: 64, deltaThreshold: 0.5 })
    await s1.start()
    for (const [cid, text] of Object.entries(docs)) await s1.indexText(cid, text)
    await s1.save() // full
    await s1.indexText('bafy5', 'tensor streaming over arrow ipc')
    expect((await s1.save()).kind).toBe('delta')
    await s1.stop()
    const full = join(dir, FULL_FILE)
    const bytes = await readFile(full)
    bytes[bytes.length - 40] = bytes[bytes.length - 40]! ^ 0x10
    await writeFile(full, bytes)

    const reported: string[] = []
    const s2 = new SemanticStore({ dir, dimension: 64, onCorruptSnapshot: (e) => reported.push(e.code) })
    await s2.start()
    expect(reported).toEqual(['ERR_CORRUPT_SNAPSHOT'])
    expect(s2.recovery).toMatchObject({ rebuilt: 5, logDamaged: false })
    expect(s2.size).toBe(5)
    expect((await s2.query('arrow tensor streaming', 1))[0]!.cid).toBe('bafy5')
    expect((await readdir(dir)).some((n) => n.startsWith(`${FULL_FILE}.corrupt-`))).toBe(true)
    await s2.stop()
    const s3 = new SemanticStore({ dir, dimension: 64 })
    await s3.start()
    expect(s3.recovery).toBeUndefined()
    expect(s3.size).toBe(5)
    await s3.stop()
  })

  it('requires start() and rejects a mismatched embedder', async () => {
    const s = new SemanticStore({ dimension: 32 })
    await expectRejectCode(s.indexText('x', 'hello'), 'ERR_NOT_STARTED')
    expect(() => new SemanticStore({ index: new FlatIndex({ dimension: 8 }), dimension: 16 })).not.toThrow()
    expect(() => new SemanticStore({ index: new FlatIndex({ dimension: 8 }), embedder: s.embedder })).toThrowError(
      expect.objectContaining({ code: 'ERR_INVALID_PARAMETER' }),
    )
  })
})

describe('RecordsLog', () => {
  it('replays up to a torn tail and says so', async () => {
    const log = new RecordsLog(join(dir, 'records.log'), 4)
    await log.append([
      { op: 'put', cid: 'a', vector: new Float32Array([1, 2, 3, 4]) },
      { op: 'put', cid: 'b', vector: new Float32Array([5, 6, 7, 8]) },
    ])
    await log.append([{ op: 'delete', cid: 'a' }])
    expect(await log.replay()).toMatchObject({ applied: 3, damaged: false })
    const bytes = await readFile(log.file)
    const torn = replayFrames(Buffer.concat([bytes, bytes.subarray(0, 10)]), 4)
    expect(torn.damaged).toBe(true)
    expect([...torn.vectors.keys()]).toEqual(['b'])
    await log.rewrite([['c', new Float32Array([0, 0, 0, 1])]])
    expect([...(await log.replay()).vectors.keys()]).toEqual(['c'])
  })
})
