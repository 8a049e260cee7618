import { Network } from '@ipfrs/network'
import { localNetwork, waitFor } from '@ipfrs/test-utils'
import * as dagCbor from '@ipld/dag-cbor'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  clauseCid,
  DistributedReasoner,
  KnowledgeBase,
  parseClause,
  printClause,
  printTerm,
  TENSORLOGIC_TOPIC,
} from '../src/index.js'

const PROGRAMS = [
  'parent(tom, bob). parent(bob, ann).',
  'parent(ann, joe). parent(bob, ann).\nancestor(X, Y) :- parent(X, Y).\nancestor(X, Y) :- parent(X, Z), ancestor(Z, Y).',
  'parent(joe, kim). parent(zed, amy).',
]

describe('distributed reasoning over three real nodes', () => {
  const nodes: Array<{ network: Network; kb: KnowledgeBase; reasoner: DistributedReasoner }> = []

  beforeAll(async () => {
    for (const program of PROGRAMS) {
      const network = await localNetwork(Network)
      const kb = new KnowledgeBase()
      kb.consult(program)
      const reasoner = new DistributedReasoner({ network, kb })
      reasoner.start()
      nodes.push({ network, kb, reasoner })
    }
    const [a, b, c] = nodes.map((n) => n.network) as [Network, Network, Network]
    await a.connect(b.addresses()[0] as string)
    await b.connect(c.addresses()[0] as string)
    await a.connect(c.addresses()[0] as string)
    const pubsub = (n: Network) => n.libp2p.services.pubsub as { getSubscribers(t: string): unknown[] }
    await waitFor(() => nodes.every((n) => pubsub(n.network).getSubscribers(TENSORLOGIC_TOPIC).length === 2), {
      timeout: 20_000,
    })
  })

  afterAll(async () => {
    for (const n of nodes) n.reasoner.stop()
    await Promise.all(nodes.map((n) => n.network.stop()))
  })

  it('merges and deduplicates answers from every peer and the local KB', async () => {
    const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]]
    const answers = await a.reasoner.distributedInfer('parent(X, Y)', { timeoutMs: 1500 })
    const byText = new Map(answers.map((x) => [printTerm(x.answer), x]))
    expect([...byText.keys()].sort()).toEqual(
      ['parent(ann, joe)', 'parent(bob, ann)', 'parent(joe, kim)', 'parent(tom, bob)', 'parent(zed, amy)'].sort(),
    )
    // parent(bob, ann) is known to node a (local) and node b: one answer, two sources
    expect(byText.get('parent(bob, ann)')?.from.sort()).toEqual(['local', b.network.peerId.toString()].sort())
    expect(byText.get('parent(joe, kim)')?.from).toEqual([c.network.peerId.toString()])
    expect(printTerm(byText.get('parent(zed, amy)')?.bindings.X as never)).toBe('zed')
  })

  it('lets each peer answer with its own rules', async () => {
    const a = nodes[0] as (typeof nodes)[0]
    const answers = await a.reasoner.distributedInfer('ancestor(bob, Who)', { timeoutMs: 1500 })
    // only node b has ancestor/2; it knows parent(bob, ann) and parent(ann, joe)
    expect(answers.map((x) => printTerm(x.bindings.Who as never)).sort()).toEqual(['ann', 'joe'])
  })

  it('ignores garbage, oversized and malformed messages and keeps answering', async () => {
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]]
    const junk = [
      new Uint8Array([0xff, 0x00, 0x13]),
      dagCbor.encode({ type: 'query', id: 'not-hex', goal: 'parent(X, Y)', limit: 5 }),
      dagCbor.encode({ type: 'query', id: '0'.repeat(32), goal: 'parent(X, ', limit: 5 }),
      dagCbor.encode({ type: 'query', id: '1'.repeat(32), goal: 'x'.repeat(200_000), limit: 5 }),
      dagCbor.encode({ type: 'answer', id: '2'.repeat(32), answers: [42] }),
      dagCbor.encode([1, 2, 3]),
    ]
    for (const j of junk) await b.network.publish(TENSORLOGIC_TOPIC, j).catch(() => undefined)
    const answers = await a.reasoner.distributedInfer('parent(tom, X)', { timeoutMs: 1000, includeLocal: false })
    expect(answers.map((x) => printTerm(x.answer))).toEqual([]) // only node a has parent(tom, _)
    const again = await a.reasoner.distributedInfer('parent(joe, X)', { timeoutMs: 1000, includeLocal: false })
    expect(again.map((x) => printTerm(x.answer))).toEqual(['parent(joe, kim)'])
  })

  it('publishes rules as blocks that other nodes fetch over Bitswap and import', async () => {
    const [a, , c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]]
    const rule = parseClause('grandparent(X, Z) :- parent(X, Y), parent(Y, Z).')
    const cid = await a.reasoner.publishRule(rule)
    expect(cid.equals(clauseCid(rule))).toBe(true)
    const fact = await a.reasoner.publishRule('parent(kim, lou).')
    const fetched = await c.reasoner.fetchRule(cid)
    expect(printClause(fetched)).toBe('grandparent(_0, _1) :- parent(_0, _2), parent(_2, _1).')
    const imported = await c.reasoner.importRulesFromCids([cid, fact])
    expect(imported).toHaveLength(2)
    const local = await c.kb.query('grandparent(joe, Who)')
    expect(local.map((x) => printTerm(x.Who as never))).toEqual(['lou'])
    await expect(
      c.reasoner.fetchRule(clauseCid(parseClause('never_published(1).')), { signal: AbortSignal.timeout(1500) }),
    ).rejects.toMatchObject({ code: 'ERR_RULE_NOT_FOUND' })
  })
})
