import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FlatIndex } from '../src/flat-index.js'
import { GRAPH_FILE, GRAPH_META } from '../src/graph-file.js'
import { HnswIndex } from '../src/hnsw-index.js'
import { IndexPersistence } from '../src/persistence.js'
import { vec } from './helpers.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipfrs-semantic-graph-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** An HNSW index of `n` vectors with a few deletions (so the graph holds deleted slots too). */
function built(n: number): HnswIndex {
  const index = new HnswIndex({ dimension: 16 })
  for (let i = 0; i < n; i++) index.add(`cid${i}`, vec(i))
  for (let i = 0; i < n; i += 97) index.delete(`cid${i}`)
  return index
}

const queries = Array.from({ length: 20 }, (_, i) => vec(10_000 + i))

describe('the HNSW graph saved next to the full snapshot', () => {
  it('loads as saved (no re-insert): same entries, same search results, and it keeps working', async () => {
    const a = built(1500)
    await new IndexPersistence({ dir }).saveFull(a)
    const b = new HnswIndex({ dimension: 16 })
    const loaded = await new IndexPersistence({ dir }).loadIndexWithDelta(b)
    expect(loaded).toMatchObject({ found: true, graph: true, size: a.size })
    expect(new Map(b.entries())).toEqual(new Map(a.entries()))
    for (const q of queries) expect(b.searchSimilar(q, 10)).toEqual(a.searchSimilar(q, 10))
    // the loaded graph takes updates, deletions and new vectors (reusing deleted slots)
    b.delete('cid1')
    b.add('fresh', vec(99_999))
    b.update('cid2', vec(5))
    expect(b.has('cid1')).toBe(false)
    expect(b.searchSimilar(vec(99_999), 1)[0]?.cid).toBe('fresh')
    expect(b.get('cid2')).toEqual(vec(5))
  })

  it('applies deltas saved after the graph on top of it', async () => {
    const a = built(800)
    const p = new IndexPersistence({ dir })
    await p.saveFull(a)
    a.add('late', vec(50_000))
    p.recordPut('late')
    a.delete('cid3')
    p.recordDelete('cid3')
    await p.saveDelta(a)
    const b = new HnswIndex({ dimension: 16 })
    expect(await new IndexPersistence({ dir }).loadIndexWithDelta(b)).toMatchObject({ graph: true, deltas: 1 })
    expect(new Map(b.entries())).toEqual(new Map(a.entries()))
    expect(b.searchSimilar(vec(50_000), 1)[0]?.cid).toBe('late')
  })

  it('ignores a damaged, missing or stale graph and re-inserts from the snapshot instead', async () => {
    const a = built(600)
    const p = new IndexPersistence({ dir })
    await p.saveFull(a)
    const graph = await readFile(join(dir, GRAPH_FILE))
    const load = async () => {
      const b = new HnswIndex({ dimension: 16 })
      const r = await new IndexPersistence({ dir }).loadIndexWithDelta(b)
      expect(new Map(b.entries())).toEqual(new Map(a.entries()))
      expect(b.searchSimilar(vec(5), 1)[0]?.cid).toBe('cid5') // a working index either way
      return r.graph
    }
    // one flipped byte in the graph file: its sha-256 no longer matches the meta
    const flipped = Buffer.from(graph)
    flipped[flipped.length >> 1] = (flipped[flipped.length >> 1] ?? 0) ^ 0xff
    await writeFile(join(dir, GRAPH_FILE), flipped)
    expect(await load()).toBe(false)
    // a truncated graph file
    await writeFile(join(dir, GRAPH_FILE), graph.subarray(0, 100))
    expect(await load()).toBe(false)
    // the right file, but its meta names another generation (a graph older than the snapshot)
    await writeFile(join(dir, GRAPH_FILE), graph)
    const meta = JSON.parse(await readFile(join(dir, GRAPH_META), 'utf8'))
    await writeFile(join(dir, GRAPH_META), JSON.stringify({ ...meta, generation: meta.generation + 1 }))
    expect(await load()).toBe(false)
    // meta labelling a CID the snapshot does not have
    await writeFile(join(dir, GRAPH_META), JSON.stringify({ ...meta, labels: [['other', 0], ...meta.labels.slice(1)] }))
    expect(await load()).toBe(false)
    // garbage meta, then none at all
    await writeFile(join(dir, GRAPH_META), '{not json')
    expect(await load()).toBe(false)
    await rm(join(dir, GRAPH_META))
    expect(await load()).toBe(false)
    // restored: loads as a graph again
    await writeFile(join(dir, GRAPH_META), JSON.stringify(meta))
    expect(await load()).toBe(true)
  })

  it('an index without a graph (FlatIndex) saves and loads as before', async () => {
    const a = new FlatIndex({ dimension: 16 })
    for (let i = 0; i < 50; i++) a.add(`cid${i}`, vec(i))
    await new IndexPersistence({ dir }).saveFull(a)
    const b = new FlatIndex({ dimension: 16 })
    expect(await new IndexPersistence({ dir }).loadIndexWithDelta(b)).toMatchObject({ graph: false, size: 50 })
  })
})
