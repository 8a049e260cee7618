import * as dagCbor from '@ipld/dag-cbor'
import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import {
  clauseCid,
  decodeClause,
  encodeClause,
  KnowledgeBase,
  parseClause,
  printClause,
  printTerm,
  RuleStore,
} from '../src/index.js'

describe('canonical DAG-CBOR encoding', () => {
  it('gives the same CID to the same clause under other variable names', () => {
    const a = parseClause('path(X, Y) :- edge(X, Z), path(Z, Y).')
    const b = parseClause('path(A, B) :- edge(A, Tmp), path(Tmp, B).')
    const c = parseClause('path(X, Y) :- edge(X, Z), path(Y, Z).')
    expect(clauseCid(a).equals(clauseCid(b))).toBe(true)
    expect(clauseCid(a).equals(clauseCid(c))).toBe(false)
    expect(clauseCid(a).toString()).toMatch(/^bafyrei/) // CIDv1, dag-cbor, sha2-256
    expect(clauseCid(parseClause('p(_, _)')).equals(clauseCid(parseClause('p(A, B)')))).toBe(true)
    expect(clauseCid(parseClause('p(X, X)')).equals(clauseCid(parseClause('p(A, B)')))).toBe(false)
  })

  it('round-trips every kind of term through a block', () => {
    const c = parseClause(
      'f(X, 3, -2, 123456789012345678901234567890, 2.5, 1.0, -0.0, "s", atom, \'q a\', [a|T], g(X)) :- X > 1.0Inf ; \\+ h(T).',
    )
    const { cid, bytes } = encodeClause(c)
    const back = decodeClause(cid, bytes)
    expect(printClause(back)).toBe(printClause(c).replaceAll('X', '_0').replaceAll('T', '_1'))
    expect(encodeClause(back).cid.equals(cid)).toBe(true)
    // facts have no body field; 1 and 1.0 are different blocks
    expect(Object.keys(dagCbor.decode(encodeClause(parseClause('p(1)')).bytes) as object)).toEqual(['head'])
    expect(clauseCid(parseClause('p(1)')).equals(clauseCid(parseClause('p(1.0)')))).toBe(false)
  })

  it('rejects tampered, foreign and malformed blocks with ERR_INVALID_RULE_BLOCK', async () => {
    const { cid, bytes } = encodeClause(parseClause('p(a)'))
    const tampered = Uint8Array.from(bytes)
    tampered[tampered.length - 1]! ^= 1
    expect(() => decodeClause(cid, tampered)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_RULE_BLOCK' }))
    for (const value of [{ head: 5 }, { head: 'p', extra: 1 }, { head: ['p'] }, [1, 2], { head: { v: -1 } }, 'p']) {
      const b = dagCbor.encode(value)
      const id = CID.createV1(dagCbor.code, await sha256.digest(b))
      expect(() => decodeClause(id, b), JSON.stringify(value)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_RULE_BLOCK' }),
      )
    }
  })

  it('stores clauses in a RuleStore, deduplicated', async () => {
    const bs = new MemoryBlockstore()
    const store = new RuleStore(bs)
    const a = await store.put('anc(X, Y) :- parent(X, Y).')
    const b = await store.put(parseClause('anc(P, Q) :- parent(P, Q).'))
    expect(a.equals(b)).toBe(true)
    expect(printClause(await store.get(a))).toBe('anc(_0, _1) :- parent(_0, _1).')
    const missing = clauseCid(parseClause('nothing.'))
    await expect(store.get(missing)).rejects.toMatchObject({ code: 'ERR_RULE_NOT_FOUND' })
  })
})

describe('knowledge base snapshots', () => {
  it('snapshots to a root block and restores an equivalent knowledge base', async () => {
    const kb = new KnowledgeBase()
    kb.consult(`
      :- table path/2.
      edge(a, b). edge(b, c). edge(c, a). edge(a, b).
      path(X, Y) :- path(X, Z), edge(Z, Y).
      path(X, Y) :- edge(X, Y).
    `)
    const bs = new MemoryBlockstore()
    const root = await kb.snapshot(bs)
    const blocks = []
    for await (const p of bs.getAll()) blocks.push(p)
    expect(blocks).toHaveLength(1 + 1) // root + one pack holding every clause
    const back = await KnowledgeBase.restore(bs, root)
    expect(back.stats()).toEqual(kb.stats())
    expect([...back.tabled]).toEqual(['path/2'])
    const answers = (await back.query('path(a, X)')).map((a) => printTerm(a.X as never)).sort()
    expect(answers).toEqual(['a', 'b', 'c'])
    expect((await kb.snapshot(new MemoryBlockstore())).equals(root)).toBe(true) // deterministic
  })

  it('chunks large knowledge bases and rejects a root that is not one', async () => {
    const kb = new KnowledgeBase()
    for (let i = 0; i < 9000; i++) kb.consult(`n(${i}).`)
    const bs = new MemoryBlockstore()
    const root = await kb.snapshot(bs)
    const back = await KnowledgeBase.restore(bs, root)
    expect(back.stats().facts).toBe(9000)
    expect(await back.query('n(8999)')).toHaveLength(1)
    const { cid, bytes } = encodeClause(parseClause('p(a)'))
    await bs.put(cid, bytes)
    await expect(KnowledgeBase.restore(bs, cid)).rejects.toMatchObject({ code: 'ERR_INVALID_RULE_BLOCK' })
  })
})
