import { join } from 'node:path'
import { isIpfrsError } from '@ipfrs/core'
import type { ProgressEvent } from '@ipfrs/node-api'
import { collect, tempDir } from '@ipfrs/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { combineHybrid } from '../src/hybrid.js'
import type { Node } from '../src/index.js'
import { onlineNode, tempNode } from './helpers.js'

const CID_A = 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'
const CID_B = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'

describe('the node contract, as ipfrs implements it', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  it('id(): offline no addresses; online the listen addresses, each with /p2p/<id>, and the protocols', async () => {
    const offline = await tempNode()
    cleanups.push(offline.cleanup)
    expect(offline.node.id()).toMatchObject({ Addresses: [], Protocols: [] })

    const { dir, cleanup } = await tempDir()
    cleanups.push(cleanup)
    const node = await onlineNode(join(dir, 'repo'))
    cleanups.push(() => node.stop())
    const id = node.id()
    expect(id.Addresses.length).toBeGreaterThan(0)
    for (const a of id.Addresses) expect(a).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${id.ID}$`))
    expect(id.Addresses).toEqual([...node.network.addresses()].sort())
    expect(id.Protocols).toContain('/ipfs/bitswap/1.2.0')
  })

  it('add and get report typed progress events (add:read and add:file, get:write) with the bytes so far', async () => {
    const { node, dir, cleanup } = await tempNode()
    cleanups.push(cleanup)
    const added: ProgressEvent[] = []
    const bytes = new Uint8Array(3 * 1024 * 1024).fill(7)
    const { cid } = await node.addFile(
      (async function* () {
        for (let i = 0; i < 3; i++) yield bytes.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024)
      })(),
      { onProgress: (e) => added.push(e) },
    )
    const MiB = 1024 * 1024
    expect(added.map((e) => e.type)).toEqual(['add:read', 'add:read', 'add:read', 'add:file'])
    expect(added.map((e) => e.detail)).toEqual([
      { path: '', bytes: MiB, total: MiB },
      { path: '', bytes: 2 * MiB, total: 2 * MiB },
      { path: '', bytes: 3 * MiB, total: 3 * MiB },
      { path: '', bytes: 3 * MiB },
    ])
    const written: number[] = []
    const total = await node.get(cid, join(dir, 'out.bin'), {
      onProgress: (e) => {
        expect(e.type).toBe('get:write')
        written.push(e.detail.bytes)
      },
    })
    expect(total).toBe(bytes.byteLength)
    expect(written.at(-1)).toBe(bytes.byteLength)
    expect((await collect(node.cat(cid))).byteLength).toBe(bytes.byteLength)
  })

  it('a logic query without a limit of its own stops at Logic.QueryTimeoutMs with QueryTimeoutError', async () => {
    const { node, cleanup } = await tempNode({ init: { config: { Logic: { QueryTimeoutMs: 200 } } as never } })
    cleanups.push(cleanup)
    await node.logic.load(`b(0). b(1).\nbig :- ${Array.from({ length: 40 }, (_, i) => `b(A${i})`).join(', ')}, fail.`)
    const failure = await node.logic.query('big').catch((err: unknown) => err)
    expect(isIpfrsError(failure, 'ERR_TIMEOUT')).toBe(true)
    expect((failure as Error).name).toBe('QueryTimeoutError')
    expect((failure as Error).message).toContain('Logic.QueryTimeoutMs = 200 ms')
    expect(node.logic.stats().activeQueries).toBe(0)
    // a limit of the caller's own still applies, and an answerable query is unaffected
    expect(await node.logic.query('b(X)', { timeoutMs: 60_000 })).toEqual([{ X: '0' }, { X: '1' }])
  })

  it('hybridQuery ranks logic answers by the semantic hits that their bindings name', async () => {
    const { node, cleanup } = await tempNode()
    cleanups.push(cleanup)
    const a = await node.addBytes(new TextEncoder().encode('cats purr and sleep in the sun\n'), { cidVersion: 1 })
    const b = await node.addBytes(new TextEncoder().encode('stock markets closed lower today\n'), { cidVersion: 1 })
    await node.semantic.indexCid(a.cid.toString())
    await node.semantic.indexCid(b.cid.toString())
    await node.logic.load(`doc('${b.cid}'). doc('${a.cid}'). doc(other).`)
    const result = await node.hybridQuery('doc(X)', { semantic: 'cats purr and sleep in the sun', topK: 2 })
    expect(result.answers.map((r) => r.bindings.X)).toEqual([a.cid.toString(), b.cid.toString(), 'other'])
    expect(result.answers[0]?.score).toBeGreaterThan(result.answers[1]?.score ?? 1)
    expect(result.answers[2]?.score).toBeUndefined()
    expect(result.unmatched).toEqual([])
  })
})

describe('combineHybrid', () => {
  it('scored answers first (best first), the rest in solver order; hits no answer reached apart', () => {
    const result = combineHybrid(
      [{ X: 'plain' }, { X: `'${CID_A}'` }, { X: CID_B }],
      [
        { cid: CID_B, score: 0.9 },
        { cid: CID_A, score: 0.5 },
        { cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', score: 0.1 },
      ],
    )
    expect(result.answers).toEqual([
      { bindings: { X: CID_B }, cid: CID_B, score: 0.9 },
      { bindings: { X: `'${CID_A}'` }, cid: CID_A, score: 0.5 },
      { bindings: { X: 'plain' } },
    ])
    expect(result.unmatched).toEqual([
      { cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', score: 0.1 },
    ])
  })
})

export type { Node }
