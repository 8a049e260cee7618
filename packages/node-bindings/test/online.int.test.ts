import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Node } from '../src/index.js'

/** Retries `fn` until `ok(result)` (peers learn each other's summaries and subscriptions asynchronously). */
async function eventually<T>(fn: () => Promise<T>, ok: (r: T) => boolean, what: string): Promise<T> {
  const until = Date.now() + 90_000
  for (;;) {
    const r = await fn()
    if (ok(r)) return r
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(r)}`)
    await new Promise((res) => setTimeout(res, 200))
  }
}

describe('Node (bindings) online: two local nodes on 127.0.0.1', () => {
  let dir: string
  let a: Node
  let b: Node

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfrs-bindings-online-'))
    a = new Node({ repoPath: join(dir, 'a'), online: true, local: true })
    b = new Node({ repoPath: join(dir, 'b'), online: true, local: true })
    await a.start()
    await b.start()
    const addr = a.addresses().find((x) => x.includes('/tcp/'))
    expect(addr).toBeDefined()
    expect(await b.connect(addr!)).toBe(a.peerId)
  })

  afterAll(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()])
    await rm(dir, { recursive: true, force: true })
  })

  it('searchNetwork finds what a peer indexed, naming the peer', async () => {
    const bread = await a.putBlock(Buffer.from('sourdough'))
    await a.indexContent(bread, 'sourdough bread needs flour water salt and patience')
    await b.indexContent(await b.putBlock(Buffer.from('x')), 'kademlia routing tables and peer distances')
    const hits = await eventually(
      () => b.searchNetwork('flour water salt bread', 1),
      (h) => h[0]?.cid === bread,
      'the peer’s hit',
    )
    expect(hits[0]).toMatchObject({ cid: bread, provider: a.peerId })
  })

  it('inferNetwork merges the peers’ answers; publishRules/fetchRules move clauses between them', async () => {
    await a.addFact('parent(tom, bob).')
    await b.addFact('parent(ann, bob).')
    const answers = await eventually(
      () => b.inferNetwork('parent(X, bob)', { timeoutMs: 1000 }),
      (r) => r.length === 2,
      'answers from both nodes',
    )
    expect(answers.map((x) => x.bindings.X).sort()).toEqual(['ann', 'tom'])
    expect(answers.find((x) => x.bindings.X === 'tom')?.from).toEqual([a.peerId])

    const cids = await a.publishRules('grandparent(X, Z) :- parent(X, Y), parent(Y, Z).\nparent(bob, cal).')
    expect(cids).toHaveLength(2)
    expect(await b.fetchRules(cids)).toHaveLength(2)
    expect(await b.infer('grandparent(ann, Z)')).toEqual([{ Z: 'cal' }])
    await expect(b.fetchRules('nope' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_PARAMETER' })
  })
})
