import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Node } from '../src/index.js'

describe('Node (bindings API)', () => {
  let dir: string
  let node: Node

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfrs-bindings-'))
    node = new Node({ repoPath: join(dir, 'repo'), semantic: { dimension: 4, metric: 'cosine' } })
    await node.start()
  })

  afterEach(async () => {
    await node.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('puts, gets, has and deletes blocks with string CIDs and Buffers', async () => {
    const cid = await node.putBlock(Buffer.from('hello bindings'))
    expect(typeof cid).toBe('string')
    expect(cid.startsWith('bafkrei')).toBe(true)
    const got = await node.getBlock(cid)
    expect(Buffer.isBuffer(got)).toBe(true)
    expect(got?.toString()).toBe('hello bindings')
    expect(await node.hasBlock(cid)).toBe(true)
    expect(await node.deleteBlock(cid)).toBe(true)
    expect(await node.deleteBlock(cid)).toBe(false)
    expect(await node.hasBlock(cid)).toBe(false)
    expect(await node.getBlock(cid)).toBeNull()
  })

  it('stores dag-json blocks with a codec', async () => {
    const cid = await node.putBlock(new TextEncoder().encode('{"a":1}'), { codec: 'dag-json' })
    expect(cid.startsWith('baguqeera')).toBe(true)
    await expect(node.putBlock(Buffer.from('not json'), { codec: 'dag-json' })).rejects.toMatchObject({
      code: 'ERR_BLOCK_DECODE',
    })
  })

  it('gives typed errors for bad CIDs and bad arguments', async () => {
    await expect(node.getBlock('not-a-cid')).rejects.toMatchObject({ code: 'ERR_INVALID_CID' })
    await expect(node.hasBlock('bafy!!')).rejects.toMatchObject({ code: 'ERR_INVALID_CID' })
    await expect(node.deleteBlock('zzz')).rejects.toMatchObject({ code: 'ERR_INVALID_CID' })
    await expect(node.putBlock('text' as unknown as Uint8Array)).rejects.toMatchObject({
      code: 'ERR_INVALID_PARAMETER',
    })
    await expect(node.searchSimilar({} as unknown as number[], 1)).rejects.toMatchObject({
      code: 'ERR_INVALID_PARAMETER',
    })
    expect(() => new Node({ repoPath: '' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_PARAMETER' }))
    // `{}` is the original bindings' default config (storagePath ./ipfrs-data); a wrong type in it is not
    expect(() => new Node({ storagePath: 7 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_PARAMETER' }),
    )
  })

  it('refuses calls before start', async () => {
    const idle = new Node({ repoPath: join(dir, 'other') })
    await expect(idle.putBlock(Buffer.from('x'))).rejects.toMatchObject({ code: 'ERR_NOT_STARTED' })
    expect(() => idle.kbStats()).toThrow(expect.objectContaining({ code: 'ERR_NOT_STARTED' }))
  })

  it('indexes by vector and by text, and searches', async () => {
    const a = await node.putBlock(Buffer.from('a'))
    const b = await node.putBlock(Buffer.from('b'))
    const c = await node.putBlock(Buffer.from('c'))
    await node.indexContent(a, [1, 0, 0, 0])
    await node.indexContent(b, new Float32Array([0.9, 0.1, 0, 0]))
    await node.indexContent(c, [0, 0, 1, 0])
    const hits = await node.searchSimilar([1, 0, 0, 0], 2)
    expect(hits.map((h) => h.cid)).toEqual([a, b])
    expect(hits[0]?.score).toBeCloseTo(1, 5)
    const filtered = await node.searchFiltered([1, 0, 0, 0], 3, { minScore: 0.5 })
    expect(filtered.map((h) => h.cid).sort()).toEqual([a, b].sort())
    expect(await node.searchFiltered([1, 0, 0, 0], 3, { maxResults: 1 })).toHaveLength(1)
    await expect(node.indexContent(a, [1, 0])).rejects.toHaveProperty('code')
    // text through the built-in embedder
    await node.indexContent(c, 'the quick brown fox')
    const byText = await node.searchSimilar('the quick brown fox', 1)
    expect(byText[0]?.cid).toBe(c)
  })

  it('adds facts and rules, infers, proves and counts', async () => {
    const f = await node.addFact('parent(tom, bob).')
    expect(f.startsWith('baf')).toBe(true)
    await node.addFact('parent(bob, ann).')
    await node.addRule('grandparent(X, Z) :- parent(X, Y), parent(Y, Z).')
    expect(await node.infer('grandparent(X, ann)')).toEqual([{ X: 'tom' }])
    expect(await node.infer('parent(X, Y)', { limit: 1 })).toHaveLength(1)
    const proof = await node.prove('grandparent(tom, Z)')
    expect(proof?.bindings).toEqual({ Z: 'ann' })
    expect(await node.prove('grandparent(ann, Z)')).toBeNull()
    expect(node.kbStats()).toMatchObject({ facts: 2, rules: 1 })
    await expect(node.addFact('g(X) :- p(X).')).rejects.toHaveProperty('code')
    await expect(node.addRule('p(a')).rejects.toMatchObject({ code: 'ERR_PARSE' })
  })

  it('saves and loads the semantic index, to the repo and to a file', async () => {
    const a = await node.putBlock(Buffer.from('a'))
    const b = await node.putBlock(Buffer.from('b'))
    await node.indexContent(a, [1, 0, 0, 0])
    expect(await node.saveSemanticIndex()).toBe(1)
    await node.indexContent(b, [0, 1, 0, 0])
    expect(await node.loadSemanticIndex()).toBe(1) // back to the saved state: b is gone
    expect((await node.searchSimilar([0, 1, 0, 0], 5)).map((h) => h.cid)).toEqual([a])
    await node.indexContent(b, [0, 1, 0, 0])
    const file = join(dir, 'index.json')
    expect(await node.saveSemanticIndex(file)).toBe(2)

    const other = new Node({ repoPath: join(dir, 'repo2'), semantic: { dimension: 4 } })
    await other.start()
    try {
      expect(await other.loadSemanticIndex(file)).toBe(2)
      expect((await other.searchSimilar([0, 1, 0, 0], 1))[0]?.cid).toBe(b)
      await writeFile(join(dir, 'bad.json'), '{"format":"nope"}')
      await expect(other.loadSemanticIndex(join(dir, 'bad.json'))).rejects.toMatchObject({
        code: 'ERR_INVALID_INDEX_FILE',
      })
    } finally {
      await other.stop()
    }
  })

  it('saves and loads the KB, to the repo and as a CAR file', async () => {
    await node.addFact('likes(mary, wine).')
    const root = await node.saveKb()
    expect(node.kbStats().root).toBe(root)
    await node.addFact('likes(john, beer).')
    expect(await node.loadKb()).toBe(root)
    expect(await node.infer('likes(X, Y)')).toEqual([{ X: 'mary', Y: 'wine' }])
    const car = join(dir, 'kb.car')
    expect(await node.saveKb(car)).toBe(root)

    const other = new Node({ repoPath: join(dir, 'repo3') })
    await other.start()
    try {
      expect(await other.loadKb(car)).toBe(root)
      expect(await other.infer('likes(mary, Y)')).toEqual([{ Y: 'wine' }])
    } finally {
      await other.stop()
    }
  })

  it('keeps blocks, vectors and the KB across a restart', async () => {
    const cid = await node.putBlock(Buffer.from('persist'))
    await node.indexContent(cid, [0, 0, 0, 1])
    await node.addFact('p(a).')
    await node.stop()
    node = new Node({ repoPath: join(dir, 'repo') })
    await node.start()
    expect((await node.getBlock(cid))?.toString()).toBe('persist')
    expect((await node.searchSimilar([0, 0, 0, 1], 1))[0]?.cid).toBe(cid)
    expect(await node.infer('p(X)')).toEqual([{ X: 'a' }])
  })
})
