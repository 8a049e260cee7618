import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cidOf } from '@ipfrs/core'
import { codeOf } from '@ipfrs/test-utils'
import * as dagCbor from '@ipld/dag-cbor'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { FsBlockstore } from 'blockstore-fs'
import type { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ComputationGraphStore, topologicalOrder } from '../src/graph/graph-store.js'
import type { Tensor } from '../src/graph/graph-types.js'

const t = (shape: number[], values: number[]): Tensor => ({ shape, data: Float32Array.from(values) })

describe('ComputationGraphStore on blockstore-fs', () => {
  let dir: string
  let blockstore: FsBlockstore
  let store: ComputationGraphStore

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfrs-graph-'))
    blockstore = new FsBlockstore(join(dir, 'blocks'))
    await blockstore.open()
    store = new ComputationGraphStore({ blockstore })
  })
  afterEach(async () => {
    await blockstore.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('evaluates relu(x·W + b) and stores every result', async () => {
    const x = await store.putTensor(t([1, 2], [1, -2]))
    const w = await store.putTensor(t([2, 2], [1, 2, 3, 4]))
    const b = await store.putTensor(t([1, 2], [0.5, -10]))
    const mm = await store.addNode({ op: 'matmul', inputs: [x, w] })
    const add = await store.addNode({ op: 'add', inputs: [mm, b] })
    const out = await store.addNode({ op: 'relu', inputs: [add], attrs: { note: 'layer 1' } })
    const result = await store.evaluate(out)
    // [1,-2]·[[1,2],[3,4]] = [-5,-6]; + [0.5,-10] = [-4.5,-16]; relu → [0,0]
    expect([...result.value.data]).toEqual([0, 0])
    const mmValue = await store.getTensor(result.outputs.get(mm.toString())!)
    expect([...mmValue.data]).toEqual([-5, -6])
    expect(mmValue.shape).toEqual([1, 2])
    expect((await store.getTensor(result.cid)).shape).toEqual([1, 2])

    const b2 = await store.putTensor(t([1, 2], [10, 10]))
    const out2 = await store.addNode({ op: 'relu', inputs: [await store.addNode({ op: 'add', inputs: [mm, b2] })] })
    expect([...(await store.evaluate(out2)).value.data]).toEqual([5, 4])
  })

  it('orders topologically with a deterministic tie-break, and reloads from disk', async () => {
    const a = await store.putTensor(t([2], [1, 2]))
    const b = await store.putTensor(t([2], [3, 4]))
    const n1 = await store.addNode({ op: 'add', inputs: [a, b] })
    const n2 = await store.addNode({ op: 'mul', inputs: [a, b] })
    const n3 = await store.addNode({ op: 'relu', inputs: [n1] })
    const n4 = await store.addNode({ op: 'mul', inputs: [n3, n2] })
    const order = await store.topologicalOrder([n4])
    const pos = (c: CID) => order.findIndex((o) => o.equals(c))
    expect(order).toHaveLength(4)
    expect(pos(n1)).toBeLessThan(pos(n3))
    expect(pos(n3)).toBeLessThan(pos(n4))
    expect(pos(n2)).toBeLessThan(pos(n4))
    // n1 and n2 are both ready first: the smaller CID string goes first
    const [first, second] = [n1, n2].sort((p, q) => (p.toString() < q.toString() ? -1 : 1))
    expect(order[0]!.equals(first!)).toBe(true)
    expect(pos(second!)).toBeLessThan(pos(n4))

    const reopened = new ComputationGraphStore({ blockstore })
    expect((await reopened.topologicalOrder([n4])).map(String)).toEqual(order.map(String))
    const graph = await reopened.subgraph([n3])
    expect(graph.nodes.size).toBe(2)
    expect(graph.leaves.map(String).sort()).toEqual([a, b].map(String).sort())
    expect([...(await reopened.evaluate(n4)).value.data]).toEqual([4 * 3, 6 * 8])
  })

  it('traces provenance through produced tensors back to the leaves', async () => {
    const a = await store.putTensor(t([2], [1, -4]))
    const b = await store.putTensor(t([2], [2, 2]))
    const sum = await store.addNode({ op: 'add', inputs: [a, b] })
    const { cid: sumTensor } = await store.evaluate(sum)
    // a second op consumes the *tensor* the first produced, not the op node
    const r = await store.addNode({ op: 'relu', inputs: [sumTensor] })
    const { cid: final } = await store.evaluate(r)
    const prov = await store.provenance(final)
    expect(prov.producer?.equals(r)).toBe(true)
    expect(prov.steps.map((s) => s.op)).toEqual(['add', 'relu'])
    expect(prov.steps[1]!.inputs[0]!.equals(sumTensor)).toBe(true)
    expect(prov.leaves.map(String).sort()).toEqual([a, b].map(String).sort())
    const leaf = await store.provenance(a)
    expect(leaf.steps).toEqual([])
    expect(leaf.leaves[0]!.equals(a)).toBe(true)

    // a fresh store learns producers from declared outputs via index()
    const declared = await store.addNode({ op: 'relu', inputs: [sumTensor], output: final })
    const fresh = new ComputationGraphStore({ blockstore })
    expect((await fresh.provenance(final)).steps).toEqual([])
    await fresh.index([declared])
    expect((await fresh.provenance(final)).producer?.equals(declared)).toBe(true)
  })

  it('rejects missing inputs and bad nodes with typed errors', async () => {
    const absent = cidOf(dagCbor.encode({ op: 'nothing', inputs: [], attrs: {} }), dagCbor.code)
    const a = await store.putTensor(t([1], [1]))
    expect(await codeOf(store.addNode({ op: 'relu', inputs: [absent] }))).toBe('ERR_MISSING_NODE')
    expect(await codeOf(store.addNode({ op: 'relu', inputs: [a], output: absent }))).toBe('ERR_MISSING_NODE')
    expect(await codeOf(store.subgraph([absent]))).toBe('ERR_MISSING_NODE')
    expect(await codeOf(store.addNode({ op: '', inputs: [a] }))).toBe('ERR_INVALID_GRAPH_NODE')
    expect(await codeOf(store.addNode({ op: 'x', inputs: ['bafy' as unknown as CID] }))).toBe('ERR_INVALID_GRAPH_NODE')
    expect(await codeOf(store.addNode({ op: 'x', inputs: [a], attrs: { f: Number.NaN } }))).toBe(
      'ERR_INVALID_GRAPH_NODE',
    )
    expect(await codeOf(store.addNode({ op: 'x', inputs: [a], attrs: { l: a as never } }))).toBe(
      'ERR_INVALID_GRAPH_NODE',
    )
    expect(await codeOf(store.putTensor({ shape: [3], data: new Float32Array(2) }))).toBe('ERR_INVALID_GRAPH_NODE')

    // a stored block with an op key but the wrong fields is caught on load
    const badBytes = dagCbor.encode({ op: 'add', inputs: 'nope', attrs: {} })
    const bad = cidOf(badBytes, dagCbor.code)
    await blockstore.put(bad, badBytes)
    expect(await codeOf(store.subgraph([bad]))).toBe('ERR_INVALID_GRAPH_NODE')
    const ok = await store.addNode({ op: 'relu', inputs: [a] })
    const withBad = await store.addNode({ op: 'add', inputs: [ok, bad] })
    expect(await codeOf(new ComputationGraphStore({ blockstore }).subgraph([withBad]))).toBe('ERR_INVALID_GRAPH_NODE')

    // evaluation errors: unknown op, shape mismatch
    const weird = await store.addNode({ op: 'softmax', inputs: [a] })
    expect(await codeOf(store.evaluate(weird))).toBe('ERR_UNKNOWN_OP')
    const b = await store.putTensor(t([2], [1, 2]))
    expect(await codeOf(store.evaluate(await store.addNode({ op: 'add', inputs: [a, b] })))).toBe('ERR_GRAPH_EVAL')
  })

  it('detects tampered blocks and cycles made of output claims', async () => {
    const a = await store.putTensor(t([1], [1]))
    const b = await store.putTensor(t([1], [2]))
    // A claims to turn a into b, B claims to turn b into a: a cycle through the producer index
    const nA = await store.addNode({ op: 'relu', inputs: [a], output: b })
    await store.addNode({ op: 'relu', inputs: [b], output: a })
    expect(await codeOf(store.provenance(b))).toBe('ERR_GRAPH_CYCLE')
    expect(await codeOf(store.topologicalOrder([nA]))).toBe('ERR_GRAPH_CYCLE')

    // bytes stored under a CID they do not hash to
    const tampered = cidOf(dagCbor.encode({ op: 'relu', inputs: [a], attrs: {} }), dagCbor.code)
    await blockstore.put(tampered, dagCbor.encode({ op: 'relu', inputs: [b], attrs: {} }))
    expect(await codeOf(store.getNode(tampered))).toBe('ERR_INVALID_GRAPH_NODE')
  })

  it('reads raw blocks as 1-D float32 leaves', async () => {
    const bytes = new Uint8Array(Float32Array.from([-3, 4]).buffer)
    const leaf = cidOf(bytes, raw.code)
    await blockstore.put(leaf, bytes)
    const r = await store.addNode({ op: 'relu', inputs: [leaf] })
    expect([...(await store.evaluate(r)).value.data]).toEqual([0, 4])
  })
})

describe('topologicalOrder', () => {
  it('is deterministic on a wide graph held in memory', async () => {
    const store = new ComputationGraphStore({ blockstore: new MemoryBlockstore() })
    const leaf = await store.putTensor(t([1], [1]))
    const mids: CID[] = []
    for (let i = 0; i < 20; i++) mids.push(await store.addNode({ op: 'relu', inputs: [leaf], attrs: { i } }))
    const top = await store.addNode({ op: 'sum', inputs: mids })
    const order = await store.topologicalOrder([top])
    expect(order.slice(0, 20).map(String)).toEqual(mids.map(String).sort())
    expect(order[20]!.equals(top)).toBe(true)
    const nodes = new Map(order.map((c) => [c.toString(), c]))
    const deps = new Map([[top.toString(), mids]])
    expect(topologicalOrder(nodes, deps).map(String)).toEqual(order.map(String))
    deps.set(mids[0]!.toString(), [top])
    expect(() => topologicalOrder(nodes, deps)).toThrow(expect.objectContaining({ code: 'ERR_GRAPH_CYCLE' }))
  })
})
