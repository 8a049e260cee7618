import { readFileSync } from 'node:fs'
import { waitFor } from '@ipfrs/test-utils'
import { lpStream } from '@libp2p/utils'
import { encode } from '@msgpack/msgpack'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { SEMANTIC_PROTOCOL } from '../src/dht-protocol.js'
import { FlatIndex } from '../src/flat-index.js'
import { SemanticDht } from '../src/semantic-dht.js'
import {
  cidFor,
  clusteredData,
  type DhtNode,
  dhtNodes,
  meshAndSettle,
  networkWithoutKad,
  queryNear,
  recall,
  stopAll,
} from './helpers.js'

const DIM = 16

describe('a 10-node semantic DHT over loopback, each node holding a disjoint shard of clustered vectors', () => {
  const CLUSTERS = 20
  const items = clusteredData(CLUSTERS, 30, DIM, 1, 42)
  const central = new FlatIndex({ dimension: DIM, metric: 'l2' })
  for (const it of items) central.add(it.cid, it.vector)
  let nodes: DhtNode[] = []
  /** which node holds each CID: clusters 2i and 2i+1 live on node i */
  const holder = new Map<string, number>()

  beforeAll(async () => {
    nodes = await dhtNodes(10, DIM, { metric: 'l2', centroids: 6 })
    for (const it of items) {
      const n = Math.floor(it.cluster / 2)
      nodes[n]!.index.add(it.cid, it.vector)
      holder.set(it.cid, n)
    }
    await meshAndSettle(nodes)
  })
  afterAll(() => stopAll(nodes))

  it('finds the true nearest neighbours held by other nodes, contacting fewer than all peers', async () => {
    const asker = nodes[0]!
    let recallSum = 0
    let contactedSum = 0
    const queries = items.filter((_, i) => i % 15 === 7) // 2 per cluster, most on other nodes
    for (const [i, item] of queries.entries()) {
      const q = queryNear(item, 0.3, i)
      const hits = await asker.dht.searchSimilar(q, 10, { signal: AbortSignal.timeout(10_000) })
      const truth = central.searchSimilar(q, 10)
      recallSum += recall(hits, truth)
      for (const h of hits) expect(h.provider).toBe(nodes[holder.get(h.cid)!]!.network.peerId.toString())
      const contacted = asker.dht.metrics().lastQuery!.peersContacted
      contactedSum += contacted
      if (item.cluster >= 2) expect(contacted).toBeGreaterThanOrEqual(1)
      expect(contacted).toBeLessThan(9)
    }
    expect(recallSum / queries.length).toBeGreaterThanOrEqual(0.9)
    expect(contactedSum / queries.length).toBeLessThan(3)
    const m = asker.dht.metrics()
    expect(m.queries).toBe(queries.length)
    expect(m.peersContacted).toBe(contactedSum)
    expect(m.bytesSent).toBeGreaterThan(0)
    expect(m.bytesReceived).toBeGreaterThan(0)
    expect(asker.dht.getRoutingConvergence()).toMatchObject({ knownPeers: 9, freshPeers: 9, ratio: 1 })
  })

  it('matches asking every peer (flooding), and records that as its recall estimate', async () => {
    const qs = [3, 100, 400].map((i) => queryNear(items[i]!, 0.3, i))
    const r = await nodes[4]!.dht.estimateRecall(qs, 10)
    expect(r).toBe(1)
    expect(nodes[4]!.dht.metrics().recallEstimate).toBe(1)
    expect(nodes[4]!.dht.metrics().lastQuery!.peersContacted).toBe(9) // the exhaustive run asked all
  })

  it('learns of a changed index through the pushed summary and finds the new vectors', async () => {
    const fresh = clusteredData(1, 20, DIM, 0.5, 99)
    for (const it of fresh) nodes[7]!.index.add(it.cid, it.vector)
    const before = nodes[0]!.dht.knownPeers().find((p) => p.peer === nodes[7]!.network.peerId.toString())!
    nodes[7]!.dht.notifyIndexChanged()
    await waitFor(() => {
      const now = nodes[0]!.dht.knownPeers().find((p) => p.peer === nodes[7]!.network.peerId.toString())
      return now?.summary !== undefined && now.summary.version > before.summary!.version
    })
    const hits = await nodes[0]!.dht.searchSimilar(queryNear(fresh[0]!, 0.1, 1), 5)
    expect(hits.map((h) => h.cid)).toContain(fresh[0]!.cid)
    expect(hits[0]!.provider).toBe(nodes[7]!.network.peerId.toString())
  })
})

describe('records, partial sync and TTL', () => {
  let nodes: DhtNode[] = []
  afterEach(async () => {
    await stopAll(nodes)
    nodes = []
  })

  it('a node that learns a peer sends it its summary unasked (a summary the peer pulled earlier may be stale)', async () => {
    nodes = await dhtNodes(2, DIM)
    const [a, b] = nodes as [DhtNode, DhtNode]
    // indexed with no notifyIndexChanged, so nothing is pushed on the change itself
    for (const it of clusteredData(1, 10, DIM)) a.index.add(it.cid, it.vector)
    await b.network.connect(a.network.addresses()[0]!)
    // b pulls a's summary, and a, learning b, pushes it as well; b has nothing indexed, so it pushes nothing
    await waitFor(() => b.dht.metrics().summariesReceived === 2, { what: 'the pulled and the pushed summary' })
    await waitFor(() => a.dht.knownPeers()[0]?.summary !== undefined, { what: 'a pulling b' })
    expect(a.dht.metrics().summariesReceived).toBe(1)
  })

  it('partial sync sends only the buckets that changed, and the receiver answers for the sender', async () => {
    nodes = await dhtNodes(3, DIM, { metric: 'l2', centroids: 8 })
    const [a, b, c] = nodes as [DhtNode, DhtNode, DhtNode]
    const items = clusteredData(8, 25, DIM, 1, 5)
    for (const it of items) a.index.add(it.cid, it.vector)
    await meshAndSettle([a, b])
    await c.network.connect(b.network.addresses()[0]!) // c only knows b
    await waitFor(() => c.dht.knownPeers().some((p) => p.summary !== undefined))

    const first = await a.dht.efficientPartialSync(b.network.peerId.toString())
    expect(first.bucketsSent).toBe(first.bucketsOffered)
    expect(first.recordsSent).toBe(200)
    expect(b.dht.records.size).toBe(200)

    const again = await a.dht.efficientPartialSync(b.network.peerId)
    expect(again).toMatchObject({ bucketsSent: 0, recordsSent: 0 })
    expect(again.bytesSent).toBeLessThan(first.bytesSent / 10)

    const extra = { cid: cidFor('extra'), vector: Float32Array.from(items[0]!.vector, (x) => x + 0.05) }
    a.index.add(extra.cid, extra.vector)
    const third = await a.dht.efficientPartialSync(b.network.peerId)
    expect(third.epoch).toBe(first.epoch)
    expect(third.bucketsSent).toBe(1)
    expect(third.recordsSent).toBeLessThan(100)
    expect(b.dht.records.size).toBe(201)

    a.index.delete(items[100]!.cid)
    const fourth = await a.dht.efficientPartialSync(b.network.peerId)
    expect(fourth.bucketsSent).toBe(1)
    expect(b.dht.records.size).toBe(200)
    expect([...b.dht.records.records()].some((r) => r.cid === items[100]!.cid)).toBe(false)

    // c never talked to a, yet finds a's content through the records b holds (b pushed its new summary to c)
    const held = () => c.dht.knownPeers()[0]?.summary?.counts.reduce((x, y) => x + y, 0)
    await waitFor(() => held() === 200)
    const hits = await c.dht.searchSimilar(extra.vector, 3)
    expect(hits[0]).toMatchObject({ cid: extra.cid, provider: a.network.peerId.toString() })
  })

  it('publishRecord lets peers hold a record for content they do not have, until its TTL evicts it', async () => {
    nodes = await dhtNodes(3, DIM, { metric: 'cosine', quantize: true })
    await meshAndSettle(nodes)
    const [a, b, c] = nodes as [DhtNode, DhtNode, DhtNode]
    const v = Float32Array.from({ length: DIM }, (_, i) => Math.sin(i + 1))
    const cid = cidFor('published')
    const stored = await a.dht.publishRecord(cid, v, { ttlMs: 700, replicas: 1 })
    expect(stored).toHaveLength(1)
    const holderNode = nodes.find((n) => n.network.peerId.toString() === stored[0])!
    expect([...holderNode.dht.records.records()].map((r) => [r.cid, r.provider])).toEqual([
      [cid, a.network.peerId.toString()],
    ])
    const other = holderNode === b ? c : b
    await other.dht.refreshSummaries()
    const hits = await other.dht.searchSimilar(v, 1, { exhaustive: true })
    expect(hits[0]).toMatchObject({ cid, provider: a.network.peerId.toString() })
    expect(hits[0]!.score).toBeGreaterThan(0.99) // int8 on the wire, still close
    await new Promise((r) => setTimeout(r, 800))
    expect(holderNode.dht.records.evictExpired()).toBe(1)
    expect(await other.dht.searchSimilar(v, 1, { exhaustive: true })).toEqual([])
  })
})

describe('bad input', () => {
  let nodes: DhtNode[] = []
  const extra: Array<{ stop(): Promise<void> }> = []
  afterEach(async () => {
    await stopAll(nodes)
    await Promise.allSettled(extra.map((n) => n.stop()))
    nodes = []
    extra.length = 0
  })

  it('rejects wrong dimensions, NaN/Inf, bad k and bad CIDs with typed errors', async () => {
    nodes = await dhtNodes(1, DIM)
    const dht: SemanticDht = nodes[0]!.dht
    const ok = new Float32Array(DIM).fill(1)
    await expect(dht.searchSimilar(new Float32Array(DIM + 1), 5)).rejects.toMatchObject({
      code: 'ERR_DIMENSION_MISMATCH',
    })
    await expect(
      dht.searchSimilar(
        Float32Array.from(ok, (x, i) => (i === 3 ? Number.NaN : x)),
        5,
      ),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_VECTOR' })
    await expect(
      dht.searchSimilar(
        Float32Array.from(ok, (x, i) => (i === 0 ? Infinity : x)),
        5,
      ),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_VECTOR' })
    await expect(dht.searchSimilar(ok, 0)).rejects.toMatchObject({ code: 'ERR_INVALID_PARAMETER' })
    await expect(dht.publishRecord('bafy-not-a-cid', ok)).rejects.toMatchObject({ code: 'ERR_SEMANTIC_INVALID_RECORD' })
    await expect(dht.requestSummary('12D3KooWnotconnected')).rejects.toMatchObject({
      code: 'ERR_SEMANTIC_PEER_REQUEST',
    })
  })

  it('drops a peer that opens a stream of garbage, and one that announces an oversized message', async () => {
    nodes = await dhtNodes(1, DIM)
    const target = nodes[0]!
    for (const payload of ['garbage', 'oversized'] as const) {
      const attacker = await networkWithoutKad()
      extra.push(attacker)
      await attacker.connect(target.network.addresses()[0]!)
      const stream = await attacker.libp2p.dialProtocol(target.network.peerId, SEMANTIC_PROTOCOL)
      if (payload === 'garbage') {
        await lpStream(stream).write(Uint8Array.of(0xc1, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x13, 0x37))
      } else {
        stream.send(Uint8Array.of(0x80, 0x80, 0x80, 0x08, 1, 2, 3)) // a varint claiming 16 MiB
      }
      const id = attacker.peerId.toString()
      await waitFor(() => target.dht.isBad(id))
      await waitFor(() => !target.network.peers().some((p) => p.peer === id))
      // it stays dropped: when it comes back it is hung up on again
      await attacker.connect(target.network.addresses()[0]!).catch(() => undefined)
      await waitFor(() => !target.network.peers().some((p) => p.peer === id))
      expect(target.dht.knownPeers().some((p) => p.peer === id)).toBe(false)
    }
    expect(target.dht.metrics().badPeers).toBe(2)
  })

  it('answers a well-formed request with a wrong dimension by an error, without dropping the peer', async () => {
    nodes = await dhtNodes(1, DIM)
    const asker = await networkWithoutKad()
    extra.push(asker)
    await asker.connect(nodes[0]!.network.addresses()[0]!)
    const lp = lpStream(await asker.libp2p.dialProtocol(nodes[0]!.network.peerId, SEMANTIC_PROTOCOL))
    await lp.write(encode({ t: 'query', v: new Uint8Array(new Float32Array(3).buffer), k: 2 }))
    const reply = (await import('../src/dht-protocol.js')).decodeMessage((await lp.read()).subarray())
    expect(reply).toMatchObject({ t: 'err', code: 'ERR_DIMENSION_MISMATCH' })
    expect(nodes[0]!.dht.isBad(asker.peerId)).toBe(false)
  })

  it('tells a peer ERR_INTERNAL, never our local OS error, when serving its query fails here', async () => {
    const network = await networkWithoutKad()
    /** an index whose search hits a real local failure (a missing file, as a broken disk-backed index would) */
    class BrokenIndex extends FlatIndex {
      override searchSimilar(): never {
        readFileSync('/no/such/dir/secret-index.bin')
        throw new Error('unreachable')
      }
    }
    const local: unknown[] = []
    const dht = new SemanticDht({
      libp2p: network.libp2p,
      index: new BrokenIndex({ dimension: DIM, metric: 'l2' }),
      onInternalError: (err) => local.push(err),
    })
    await dht.start()
    extra.push({
      stop: async () => {
        await dht.stop()
        await network.stop()
      },
    })
    const asker = await networkWithoutKad()
    extra.push(asker)
    await asker.connect(network.addresses()[0]!)
    const lp = lpStream(await asker.libp2p.dialProtocol(network.peerId, SEMANTIC_PROTOCOL))
    await lp.write(encode({ t: 'query', v: new Uint8Array(new Float32Array(DIM).fill(1).buffer), k: 2 }))
    const reply = (await import('../src/dht-protocol.js')).decodeMessage((await lp.read()).subarray())
    expect(reply).toEqual({ t: 'err', code: 'ERR_INTERNAL', message: 'internal error' })
    expect(JSON.stringify(reply)).not.toContain('secret-index')
    expect(local).toHaveLength(1)
    expect(local[0]).toMatchObject({ code: 'ENOENT' })
    expect(dht.isBad(asker.peerId)).toBe(false)
  })

  it('times out a slow peer per request, and drops a peer that answers with garbage', async () => {
    nodes = await dhtNodes(2, DIM, { requestTimeoutMs: 400 })
    const [a, b] = nodes as [DhtNode, DhtNode]
    for (const it of clusteredData(2, 10, DIM)) b.index.add(it.cid, it.vector)
    const slow = await networkWithoutKad()
    const liar = await networkWithoutKad()
    extra.push(slow, liar)
    await slow.libp2p.handle(SEMANTIC_PROTOCOL, () => undefined) // reads nothing, answers nothing
    await liar.libp2p.handle(SEMANTIC_PROTOCOL, async (stream) => {
      const lp = lpStream(stream)
      await lp.read()
      await lp.write(new TextEncoder().encode('definitely not msgpack'))
    })
    for (const n of [b.network, slow, liar]) await a.network.connect(n.addresses()[0]!)
    // on connect, a pulls each summary: the liar answers garbage and is dropped
    await waitFor(() => a.dht.isBad(liar.peerId))
    await waitFor(() => !a.network.peers().some((p) => p.peer === liar.peerId.toString()))
    await waitFor(() => a.dht.knownPeers().length === 2)

    await expect(a.dht.requestSummary(slow.peerId)).rejects.toMatchObject({ code: 'ERR_SEMANTIC_PEER_TIMEOUT' })
    expect(a.dht.metrics().timeouts).toBeGreaterThanOrEqual(1)
    const timeouts = a.dht.metrics().timeouts
    const hits = await a.dht.searchSimilar(new Float32Array(DIM), 3, { exhaustive: true })
    expect(hits).toHaveLength(3) // b answered; the slow one timed out and was skipped
    expect(a.dht.metrics().timeouts).toBe(timeouts + 1)
    expect(a.dht.isBad(slow.peerId)).toBe(false)
    // a guided search does not wait on the slow peer's summary again: it was asked moments ago
    expect(await a.dht.searchSimilar(new Float32Array(DIM), 3)).toHaveLength(3)
    expect(a.dht.metrics().timeouts).toBe(timeouts + 1)
    await expect(a.dht.requestSummary(liar.peerId.toString())).rejects.toMatchObject({
      code: 'ERR_SEMANTIC_PEER_REQUEST',
    })
  })
})
