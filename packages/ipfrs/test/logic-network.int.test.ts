import { join } from 'node:path'
import { isIpfrsError } from '@ipfrs/core'
import { TENSORLOGIC_TOPIC } from '@ipfrs/tensorlogic'
import { tempDir, waitFor } from '@ipfrs/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Node } from '../src/index.js'
import { onlineNode as online } from './helpers.js'

/** A started online node on 127.0.0.1 (TCP) with a fresh repo and no bootstrap peers (never the internet). */
const onlineNode = (dir: string, name: string) => online(join(dir, name))

describe('node.logic over three online nodes on 127.0.0.1', () => {
  const nodes: Node[] = []
  let cleanup: (() => Promise<void>) | undefined

  beforeAll(async () => {
    const t = await tempDir()
    cleanup = t.cleanup
    for (const name of ['a', 'b', 'c']) nodes.push(await onlineNode(t.dir, name))
    const [a, b, c] = nodes as [Node, Node, Node]
    await a.logic.load('parent(tom, bob). parent(bob, ann).')
    await b.logic.load('parent(bob, ann). parent(ann, joe).\nancestor(X, Y) :- parent(X, Y).')
    await c.logic.load('parent(joe, kim).')
    await a.network.connect(b.network.addresses()[0] as string)
    await b.network.connect(c.network.addresses()[0] as string)
    await a.network.connect(c.network.addresses()[0] as string)
    const pubsub = (n: Node) => n.network.libp2p.services.pubsub as { getSubscribers(t: string): unknown[] }
    await waitFor(() => nodes.every((n) => pubsub(n).getSubscribers(TENSORLOGIC_TOPIC).length === 2), {
      timeout: 20_000,
      what: 'the logic topic mesh',
    })
  }, 60_000)

  afterAll(async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()))
    await cleanup?.()
  })

  it('merges answers from every node’s knowledge base, deduplicated, with their sources', async () => {
    const [a, b, c] = nodes as [Node, Node, Node]
    const answers = await a.logic.distributedQuery('parent(X, Y)', { timeoutMs: 1500 })
    const byText = new Map(answers.map((x) => [x.answer, x]))
    expect([...byText.keys()].sort()).toEqual(
      ['parent(ann, joe)', 'parent(bob, ann)', 'parent(joe, kim)', 'parent(tom, bob)'].sort(),
    )
    expect(byText.get('parent(bob, ann)')?.from.sort()).toEqual(['local', b.peerId].sort())
    expect(byText.get('parent(joe, kim)')).toMatchObject({ bindings: { X: 'joe', Y: 'kim' }, from: [c.peerId] })
    // a bad goal fails before anything is sent
    const bad = await a.logic.distributedQuery('parent(X', { timeoutMs: 100 }).catch((e: unknown) => e)
    expect(isIpfrsError(bad, 'ERR_PARSE')).toBe(true)
  })

  it('publishes rules that another node fetches over Bitswap, pins, and uses', async () => {
    const [a, , c] = nodes as [Node, Node, Node]
    const cids = await a.logic.publish('grandparent(X, Z) :- parent(X, Y), parent(Y, Z).\nparent(kim, lea).')
    expect(cids).toHaveLength(2)
    const fetched = await c.logic.fetch(cids, { signal: AbortSignal.timeout(20_000) })
    expect(fetched).toEqual(['grandparent(_0, _1) :- parent(_0, _2), parent(_2, _1).', 'parent(kim, lea).'])
    expect(await c.logic.query('grandparent(joe, G)')).toEqual([{ G: 'lea' }])
    const pinned: string[] = []
    for await (const p of c.pin.ls({ type: 'recursive' })) pinned.push(p.cid.toString())
    expect(pinned).toEqual(expect.arrayContaining(cids))
    // and the fetched rule now answers peers' queries too
    const answers = await a.logic.distributedQuery('grandparent(joe, G)', { timeoutMs: 1500 })
    expect(answers.map((x) => [x.bindings.G, x.from])).toEqual([['lea', [c.peerId]]])
  })
})
