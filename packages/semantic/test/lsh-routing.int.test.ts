// Semantic routing beyond connected peers, on real libp2p nodes over TCP on 127.0.0.1 with the real kad-dht: 20 nodes
// that each keep at most 4 connections (Swarm.ConnMgr), LSH records published through kad-dht lookups, and one node
// finding documents held by peers it was never connected to, with recall@10 >= 0.9 against a central exact index.
import { defaultConfig } from '@ipfrs/core'
import { Network } from '@ipfrs/network'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FlatIndex } from '../src/flat-index.js'
import { SemanticDht } from '../src/semantic-dht.js'
import { normalized } from '../src/vectors.js'
import { cidFor, prng } from './helpers.js'

const N = 20
const DIM = 32
const DOCS = 8

interface LshNode {
  network: Network
  index: FlatIndex
  dht: SemanticDht
  everConnected: Set<string>
}

async function lshNode(): Promise<LshNode> {
  const config = defaultConfig()
  config.Addresses.Swarm = ['/ip4/127.0.0.1/tcp/0']
  config.Swarm.Transports.Network = { TCP: true, QUIC: false }
  config.Swarm.ConnMgr = { LowWater: 3, HighWater: 4, GracePeriodSeconds: 5 }
  config.Bootstrap = []
  config.Routing.Type = 'dhtserver'
  const privateKey = await generateKeyPair('Ed25519')
  const network = Network.create({
    config,
    privateKey,
    blockstore: new MemoryBlockstore(),
    datastore: new MemoryDatastore(),
  })
  await network.start()
  const everConnected = new Set<string>()
  network.libp2p.addEventListener('peer:connect', (e) => everConnected.add(e.detail.toString()))
  const index = new FlatIndex({ dimension: DIM, metric: 'cosine' })
  const dht = new SemanticDht({
    libp2p: network.libp2p,
    index,
    lsh: {
      closestPeers: (key, options) => network.libp2p.peerRouting.getClosestPeers(key, options),
      sign: (data) => privateKey.sign(data),
      requireSignature: true,
      replicas: 4,
      tables: 3,
      bits: 3,
      reprovideMs: 0,
    },
  })
  await dht.start()
  return { network, index, dht, everConnected }
}

describe('LSH routing over kad-dht, 4 connections per node', { timeout: 300_000 }, () => {
  let nodes: LshNode[] = []
  const all = new FlatIndex({ dimension: DIM, metric: 'cosine' })
  const r = prng(15)
  const centres = Array.from({ length: 6 }, () => normalized(Float32Array.from({ length: DIM }, r.normal)))
  const near = (c: Float32Array, s: number) =>
    normalized(Float32Array.from(c, (x) => x + (s / Math.sqrt(DIM)) * r.normal()))

  beforeAll(async () => {
    nodes = await Promise.all(Array.from({ length: N }, lshNode))
    // a chain: each node dials the previous one; kad-dht learns the rest through lookups
    for (let i = 1; i < N; i++) await nodes[i]!.network.connect(nodes[i - 1]!.network.addresses()[0]!)
    for (const [i, n] of nodes.entries()) {
      if (i === 0) continue // the querying node holds nothing
      const home = centres[i % centres.length]!
      for (let j = 0; j < DOCS; j++) {
        const cid = cidFor(`doc ${i}/${j}`)
        const v = near(home, 0.5)
        n.index.add(cid, v)
        all.add(cid, v)
      }
    }
    // every node publishes its records (kad-dht lookups find the holders; connections come and go under the cap)
    const t0 = Date.now()
    await Promise.all(nodes.slice(1).map((n) => n.dht.reprovide()))
    const held = nodes.reduce((s, n) => s + (n.dht.metrics().lsh?.recordsHeld ?? 0), 0)
    console.log(`published in ${Date.now() - t0} ms, ${held} records held`)
  }, 280_000)

  afterAll(async () => {
    await Promise.allSettled(nodes.map((n) => n.dht.stop()))
    await Promise.allSettled(nodes.map((n) => n.network.stop()))
  })

  it('finds documents of peers the searcher was never connected to, recall@10 >= 0.9', async () => {
    const q = nodes[0]!
    const before = new Set(q.everConnected)
    let recall = 0
    const queries = 8
    const strangers = new Set<string>()
    for (let i = 0; i < queries; i++) {
      const v = near(centres[i % centres.length]!, 0.5)
      const truth = new Set(all.searchSimilar(v, 10).map((h) => h.cid))
      const hits = await q.dht.searchSimilar(v, 10)
      recall += hits.filter((h) => truth.has(h.cid)).length / 10
      for (const h of hits) if (!before.has(h.provider)) strangers.add(h.provider)
    }
    expect(recall / queries).toBeGreaterThanOrEqual(0.9)
    expect(strangers.size).toBeGreaterThan(0)
    for (const n of nodes) expect(n.network.libp2p.getConnections().length).toBeLessThanOrEqual(4 + 2)
    const status = q.dht.getRoutingConvergence().lsh
    expect(status?.searches).toBe(queries)
    expect(status?.lookups).toBeGreaterThan(0)
    const held = nodes.reduce((s, n) => s + (n.dht.metrics().lsh?.recordsHeld ?? 0), 0)
    expect(held).toBeGreaterThanOrEqual((N - 1) * DOCS * 3) // every record on at least one holder
    const sample = [...nodes[5]!.index.entries()].slice(0, 4)
    expect(await nodes[5]!.dht.lsh!.estimateRecall(sample, 10)).toBeGreaterThanOrEqual(0.75)
    expect(nodes[5]!.dht.metrics().lsh?.recallEstimate).toBeGreaterThanOrEqual(0.75)
  })
})
