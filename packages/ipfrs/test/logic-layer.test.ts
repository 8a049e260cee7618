import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseCid } from '@ipfrs/core'
import { blockKey } from '@ipfrs/storage'
import { codeOf, tempDir } from '@ipfrs/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { createNode, type Node } from '../src/index.js'

const FAMILY = `
parent(tom, bob). parent(bob, ann). parent(ann, joe).
ancestor(X, Y) :- parent(X, Y).
ancestor(X, Y) :- parent(X, Z), ancestor(Z, Y).
`

describe('node.logic (offline, over a temp repo)', () => {
  let cleanup: (() => Promise<void>) | undefined
  const nodes: Node[] = []
  afterEach(async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()))
    nodes.length = 0
    await cleanup?.()
  })

  async function start(repoPath: string): Promise<Node> {
    const node = createNode({ repoPath, init: true })
    await node.start()
    nodes.push(node)
    return node
  }

  async function fresh(): Promise<{ node: Node; repoPath: string }> {
    const t = await tempDir()
    cleanup = t.cleanup
    const repoPath = join(t.dir, 'repo')
    return { node: await start(repoPath), repoPath }
  }

  it('persists the KB across stop/start through the root file', async () => {
    const { node, repoPath } = await fresh()
    expect(await node.logic.load(FAMILY)).toEqual({ clauses: 5 })
    const factCid = await node.logic.addFact('parent(joe, kim).')
    const ruleCid = await node.logic.addRule('grandparent(X, Z) :- parent(X, Y), parent(Y, Z).')
    expect(parseCid(factCid).toString()).toBe(factCid)
    expect(ruleCid).not.toBe(factCid)
    await node.stop()
    nodes.length = 0

    const root = (await readFile(join(repoPath, 'tensorlogic', 'root'), 'utf8')).trim()
    const again = await start(repoPath)
    expect(again.logic.stats()).toMatchObject({ facts: 4, rules: 3, root })
    const who = await again.logic.query('ancestor(tom, W)')
    expect(who.map((a) => a.W)).toEqual(['bob', 'ann', 'joe', 'kim'])
    expect(await again.logic.query('grandparent(bob, G)')).toEqual([{ G: 'joe' }])
    expect(await again.logic.query('ancestor(tom, W)', { limit: 2 })).toHaveLength(2)
  })

  it('restores an earlier snapshot by root CID and proves goals as plain trees', async () => {
    const { node } = await fresh()
    await node.logic.load(FAMILY)
    const first = await node.logic.save()
    expect(node.logic.stats().root).toBe(first)
    await node.logic.addFact('parent(joe, kim).')
    const second = await node.logic.save()
    expect(second).not.toBe(first)
    expect(node.logic.stats().facts).toBe(4)
    await node.logic.restore(first)
    expect(node.logic.stats()).toMatchObject({ facts: 3, rules: 2, root: first })
    await node.logic.restore() // the root file names the second snapshot
    expect(node.logic.stats()).toMatchObject({ facts: 4, root: second })

    const tree = await node.logic.prove('ancestor(tom, ann)')
    expect(tree?.proof[0]?.goal).toBe('ancestor(tom, ann)')
    expect(tree?.proof[0]?.clause).toBe('ancestor(_0, _1) :- parent(_0, _2), ancestor(_2, _1).')
    expect(tree?.proof[0]?.children.map((c) => c.goal)).toEqual(['parent(tom, bob)', 'ancestor(bob, ann)'])
    expect(await node.logic.prove('ancestor(joe, tom)')).toBeNull()
  })

  it('rejects a corrupt or missing snapshot with a typed error and leaves the KB untouched', async () => {
    const { node, repoPath } = await fresh()
    await node.logic.load(FAMILY)
    const root = await node.logic.save()
    await node.logic.addFact('parent(joe, kim).')
    // damage the root block on disk
    await writeFile(node.repo.blockFile(parseCid(root)), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))
    expect(await codeOf(node.logic.restore(root))).toMatch(/^ERR_/)
    expect(node.logic.stats().facts).toBe(4)
    const missing = 'bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
    expect(await codeOf(node.logic.restore(missing))).toBe('ERR_RULE_NOT_FOUND')
    expect(await codeOf(node.logic.restore('not a cid'))).toBe('ERR_INVALID_CID')
    expect(await node.logic.query('parent(joe, X)')).toEqual([{ X: 'kim' }])

    // a node over a repo whose snapshot is damaged still starts: empty KB, the error reported, the root file kept
    await node.stop() // saves the changed KB under a new root
    nodes.length = 0
    await writeFile(join(repoPath, 'tensorlogic', 'root'), `${root}\n`)
    const again = await start(repoPath)
    expect(again.logic.stats()).toMatchObject({ clauses: 0, root })
    expect(again.logic.stats().restoreError).toBeTruthy()
    await again.stop()
    nodes.length = 0
    expect((await readFile(join(repoPath, 'tensorlogic', 'root'), 'utf8')).trim()).toBe(root)
  })

  it('restores a snapshot in the background: stats from its root at once, queries wait, failures reported after', async () => {
    const { node, repoPath } = await fresh()
    await node.logic.load(FAMILY)
    const root = await node.logic.save()
    await node.stop()
    nodes.length = 0
    const again = await start(repoPath)
    expect(again.logic.stats()).toMatchObject({ facts: 3, rules: 2, root }) // recorded in the root, or restored
    expect((await again.logic.query('ancestor(tom, W)')).map((a) => a.W)).toEqual(['bob', 'ann', 'joe'])
    const rootFile = again.repo.blockFile(parseCid(root))
    await again.stop()
    nodes.length = 0

    // every block but the root damaged: start still ends (it reads only the root); the restore then fails
    for (const f of await readdir(join(repoPath, 'blocks'), { recursive: true, withFileTypes: true }))
      if (f.isFile() && join(f.parentPath, f.name) !== rootFile)
        await writeFile(join(f.parentPath, f.name), new Uint8Array([1, 2, 3]))
    const damaged = await start(repoPath)
    await damaged.logic.settled()
    expect(damaged.logic.stats()).toMatchObject({ clauses: 0, root })
    expect(damaged.logic.stats().restoreError).toBeTruthy()
    expect(await codeOf(damaged.logic.query('parent(X, Y)'))).toBe('ERR_UNKNOWN_PREDICATE')
  })

  it('serializes concurrent mutations: every addFact lands', async () => {
    const { node } = await fresh()
    const cids = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 50 === 0 ? node.logic.save().then(() => node.logic.addFact(`n(${i}).`)) : node.logic.addFact(`n(${i}).`),
      ),
    )
    expect(new Set(cids).size).toBe(200)
    expect(node.logic.stats().facts).toBe(200)
    const all = await node.logic.query('n(X)')
    expect(all.map((a) => Number(a.X)).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i))
  })

  it('keeps the pinned snapshot through GC and unpins the one it replaces', async () => {
    const { node, repoPath } = await fresh()
    await node.logic.load(FAMILY)
    const first = await node.logic.save()
    await node.logic.addFact('parent(joe, kim).')
    const second = await node.logic.save()
    const pinned = []
    for await (const p of node.pin.ls({ type: 'recursive' })) pinned.push(p.cid.toString())
    expect(pinned).toContain(second)
    expect(pinned).not.toContain(first)
    const result = await node.gc({ minAgeSeconds: 0 })
    // GC names blocks by multihash (as raw CIDs): compare keys, not CID strings
    const removed = result.removed.map((c) => blockKey(c))
    expect(removed).toContain(blockKey(parseCid(first))) // the replaced snapshot's root went
    expect(removed).not.toContain(blockKey(parseCid(second))) // the pinned one stayed, with every block under it
    expect(result.pinned).toBeGreaterThan(0)
    expect(await codeOf(node.logic.restore(first))).toBe('ERR_RULE_NOT_FOUND') // swept: it was unpinned
    await node.stop()
    nodes.length = 0
    const again = await start(repoPath)
    expect(again.logic.stats()).toMatchObject({ facts: 4, rules: 2, root: second })
    expect(await again.logic.query('ancestor(tom, kim)')).toEqual([{}])
  })

  it('validates input: rules vs facts, syntax errors with line and column, limits', async () => {
    const { node } = await fresh()
    expect(await codeOf(node.logic.addFact('p(X) :- q(X).'))).toBe('ERR_INVALID_CLAUSE')
    expect(await codeOf(node.logic.addRule('p(a).'))).toBe('ERR_INVALID_CLAUSE')
    const bad = await node.logic.load('ok(a).\nbroken(').catch((e: unknown) => e)
    expect(bad).toMatchObject({ code: 'ERR_PARSE', line: 2 })
    expect(node.logic.stats().clauses).toBe(0) // nothing of a program that does not parse is added
    expect(await codeOf(node.logic.query('p(X'))).toBe('ERR_PARSE')
    expect(await codeOf(node.logic.query('nope(X)'))).toBe('ERR_UNKNOWN_PREDICATE')
    // structural recursion runs by SLD resolution (function-free recursion would be tabled and end)
    await node.logic.load('loop(f(X)) :- loop(f(X)).')
    expect(await codeOf(node.logic.query('loop(f(1))', { timeoutMs: 200, maxDepth: 1e9 }))).toBe('ERR_TIMEOUT')
    expect(await codeOf(node.logic.query('loop(f(1))', { maxDepth: 50 }))).toBe('ERR_DEPTH_LIMIT')
  })

  it('publishes clauses as pinned blocks and fetches local ones offline', async () => {
    const { node } = await fresh()
    const cids = await node.logic.publish('likes(ann, tea).\nlikes(X, cake) :- likes(X, tea).')
    expect(cids).toHaveLength(2)
    expect(node.logic.stats().clauses).toBe(0) // publishing does not change the KB
    expect(await node.logic.fetch(cids)).toEqual(['likes(ann, tea).', 'likes(_0, cake) :- likes(_0, tea).'])
    await node.logic.fetch(cids) // already held: not added twice
    expect(await node.logic.query('likes(ann, W)')).toEqual([{ W: 'tea' }, { W: 'cake' }])
    const absent = 'bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
    expect(await codeOf(node.logic.fetch([absent]))).toBe('ERR_OFFLINE')
    expect(await codeOf(node.logic.distributedQuery('likes(X, Y)'))).toBe('ERR_OFFLINE')
  })
})
