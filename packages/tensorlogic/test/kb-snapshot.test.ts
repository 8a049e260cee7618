import * as dagCbor from '@ipld/dag-cbor'
import { MemoryBlockstore } from 'blockstore-core'
import type { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { canonicalClause, encodeClause, KnowledgeBase, parseClause, printProgram } from '../src/index.js'

function program(n: number): string {
  const lines = [':- table reach/2.']
  for (let i = 0; i < n; i++) lines.push(`edge(n${i}, n${(i * 7919 + 1) % n}, ${i % 97}).`)
  lines.push('reach(X, Y) :- edge(X, Y, _).', 'reach(X, Z) :- edge(X, Y, _), reach(Y, Z).')
  return lines.join('\n')
}

/** CIDs of the blocks reachable from a snapshot root. */
async function blocksOf(bs: MemoryBlockstore, root: CID): Promise<Set<string>> {
  const out = new Set<string>([root.toString()])
  const parts: Uint8Array[] = []
  for await (const p of bs.get(root)) parts.push(p)
  const value = dagCbor.decode(Buffer.concat(parts)) as { packs: CID[] }
  for (const c of value.packs) out.add(c.toString())
  return out
}

describe('packed knowledge-base snapshots', () => {
  it('round-trips 20,000 clauses through packs of many clauses each', async () => {
    const kb = new KnowledgeBase()
    kb.consult(program(20_000))
    const bs = new MemoryBlockstore()
    const root = await kb.snapshot(bs)
    const blocks = await blocksOf(bs, root)
    expect(blocks.size).toBeGreaterThan(2)
    expect(blocks.size).toBeLessThan(100) // not one block per clause
    const back = await KnowledgeBase.restore(bs, root)
    expect(back.stats()).toEqual(kb.stats())
    expect(printProgram({ clauses: [...back.clauses()], directives: [] })).toBe(
      printProgram({ clauses: kb.clauses().map(canonicalClause), directives: [] }), // variables renamed _0, _1, ...
    )
    expect([...back.tabled]).toEqual(['reach/2'])
    expect(await back.query('edge(n5, Y, W)')).toHaveLength(1)
    expect((await kb.snapshot(new MemoryBlockstore())).equals(root)).toBe(true) // deterministic
  })

  it('a second snapshot after a small change shares most blocks with the first', async () => {
    const kb = new KnowledgeBase()
    kb.consult(program(20_000))
    const bs = new MemoryBlockstore()
    const first = await blocksOf(bs, await kb.snapshot(bs))
    kb.consult('edge(extra, n0, 1).') // appended
    const appended = await blocksOf(bs, await kb.snapshot(bs))
    const newAfterAppend = [...appended].filter((c) => !first.has(c))
    expect(newAfterAppend.length).toBeLessThanOrEqual(2) // the root and the last pack
    // removing a clause in the middle changes the packs around it only (boundaries are content-defined)
    expect(
      kb.remove(parseClause('edge(n10000, n2940001, 9).'.replace('n2940001', `n${(10000 * 7919 + 1) % 20000}`))),
    ).toBe(true)
    const removed = await blocksOf(bs, await kb.snapshot(bs))
    const newAfterRemove = [...removed].filter((c) => !appended.has(c))
    expect(newAfterRemove.length).toBeLessThanOrEqual(4)
    expect(removed.size - newAfterRemove.length).toBeGreaterThan(removed.size * 0.8)
  })

  it('a corrupt or malformed pack is ERR_INVALID_RULE_BLOCK, a missing one ERR_RULE_NOT_FOUND', async () => {
    const kb = new KnowledgeBase()
    kb.consult(program(2_000))
    const bs = new MemoryBlockstore()
    const root = await kb.snapshot(bs)
    const packs = [...(await blocksOf(bs, root))].filter((c) => c !== root.toString())
    const { CID } = await import('multiformats/cid')
    const victim = CID.parse(packs[0] as string)
    const bytes = Buffer.concat(await Array.fromAsync(bs.get(victim)))
    // flipped byte: the bytes no longer hash to the CID
    const flipped = Uint8Array.from(bytes)
    flipped[flipped.length - 1] = (flipped.at(-1) as number) ^ 1
    await bs.put(victim, flipped)
    await expect(KnowledgeBase.restore(bs, root)).rejects.toMatchObject({ code: 'ERR_INVALID_RULE_BLOCK' })
    // well-hashed but not a pack: a root linking a clause block where a pack belongs
    const clause = encodeClause(parseClause('p(a).'))
    await bs.put(clause.cid, clause.bytes)
    const badRoot = dagCbor.encode({ tensorlogic: 2, tabled: [], packs: [clause.cid] })
    const { cidOf } = await import('@ipfrs/core')
    const badCid = cidOf(badRoot, dagCbor.code)
    await bs.put(badCid, badRoot)
    await expect(KnowledgeBase.restore(bs, badCid)).rejects.toMatchObject({ code: 'ERR_INVALID_RULE_BLOCK' })
    await bs.delete(victim)
    await expect(KnowledgeBase.restore(bs, root)).rejects.toMatchObject({ code: 'ERR_RULE_NOT_FOUND' })
  })

  it('still reads format-1 snapshots (one block per clause)', async () => {
    const bs = new MemoryBlockstore()
    const clauses = ['parent(tom, bob).', 'parent(bob, ann).', 'gp(X, Z) :- parent(X, Y), parent(Y, Z).'].map((t) =>
      encodeClause(parseClause(t)),
    )
    for (const c of clauses) await bs.put(c.cid, c.bytes)
    const rootBytes = dagCbor.encode({ tensorlogic: 1, tabled: [], clauses: clauses.map((c) => c.cid) })
    const { cidOf } = await import('@ipfrs/core')
    const root = cidOf(rootBytes, dagCbor.code)
    await bs.put(root, rootBytes)
    const kb = await KnowledgeBase.restore(bs, root)
    expect(kb.stats()).toMatchObject({ facts: 2, rules: 1 })
    expect(await kb.query('gp(tom, W)')).toHaveLength(1)
    expect(sha256.code).toBe(0x12)
  })
})
