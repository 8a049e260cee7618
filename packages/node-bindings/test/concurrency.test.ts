import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Node, SerialQueue } from '../src/index.js'

describe('concurrency', () => {
  let dir: string
  let node: Node

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfrs-bindings-conc-'))
    node = new Node({ repoPath: join(dir, 'repo'), semantic: { dimension: 8 } })
    await node.start()
  })

  afterAll(async () => {
    await node.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('SerialQueue runs tasks one at a time in order, surviving failures', async () => {
    const q = new SerialQueue()
    const log: string[] = []
    let running = 0
    const task = (i: number) => async () => {
      running++
      expect(running).toBe(1)
      await new Promise((r) => setImmediate(r))
      log.push(`t${i}`)
      running--
      if (i === 2) throw new Error('boom')
      return i
    }
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => q.run(task(i))))
    expect(log).toEqual(['t0', 't1', 't2', 't3', 't4'])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
  })

  it('100 concurrent putBlock/indexContent/addFact calls all land', async () => {
    const n = 100
    const vector = (i: number) => Array.from({ length: 8 }, (_, j) => Math.sin(i * 8 + j + 1))
    const results = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const [cid] = await Promise.all([node.putBlock(Buffer.from(`block ${i}`)), node.addFact(`item(n${i}, ${i}).`)])
        await node.indexContent(cid, vector(i))
        return cid
      }),
    )
    expect(new Set(results).size).toBe(n)
    for (const [i, cid] of results.entries()) {
      expect((await node.getBlock(cid))?.toString()).toBe(`block ${i}`)
    }
    expect(node.kbStats()).toMatchObject({ facts: n, rules: 0 })
    expect(await node.infer('item(X, Y)')).toHaveLength(n)
    expect(await node.saveSemanticIndex()).toBe(n)
    const hits = await node.searchSimilar(vector(42), 1)
    expect(hits[0]?.cid).toBe(results[42])
    // concurrent deletes: each block is removed exactly once
    const deleted = await Promise.all([...results, ...results].map((cid) => node.deleteBlock(cid)))
    expect(deleted.filter(Boolean)).toHaveLength(n)
  })
})
