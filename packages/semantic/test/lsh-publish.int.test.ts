/**
 * Publishing LSH records at scale, over real streams: one closest-peers lookup per distinct key (cached after), one
 * `lput` per holder carrying every record it holds, in the background off the caller's path. The lookup here answers
 * from a fixed list of the other peers (kad-dht's own is exercised by the node tests); what is measured is how many
 * lookups and messages the publisher spends.
 */
import type { PeerInfo } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FlatIndex } from '../src/flat-index.js'
import { LshHasher } from '../src/lsh.js'
import { SemanticDht } from '../src/semantic-dht.js'
import { normalized } from '../src/vectors.js'
import { clusteredData, type DhtNode, networkWithoutKad, stopAll } from './helpers.js'

const DIM = 16

describe('publishing LSH records', () => {
  let nodes: DhtNode[] = []
  let lookups = 0

  beforeAll(async () => {
    const networks = await Promise.all([0, 1, 2].map(() => networkWithoutKad()))
    nodes = networks.map((network, i) => {
      const index = new FlatIndex({ dimension: DIM, metric: 'cosine' })
      const others = networks.filter((_, j) => j !== i)
      const dht = new SemanticDht({
        libp2p: network.libp2p,
        index,
        lsh: {
          tables: 4,
          bits: 6,
          replicas: 2,
          reprovideMs: 0,
          closestPeers: async function* (): AsyncGenerator<PeerInfo> {
            lookups++
            for (const o of others) yield { id: o.peerId, multiaddrs: o.libp2p.getMultiaddrs() }
          },
        },
      })
      return { network, index, dht }
    })
    await Promise.all(nodes.map((n) => n.dht.start()))
    for (const n of nodes.slice(1)) await nodes[0]!.network.connect(n.network.addresses()[0]!)
  })
  afterAll(() => stopAll(nodes))

  it('looks each key up once, sends one lput per holder, and reuses the lookups until the cache expires', async () => {
    const [a, b, c] = nodes as [DhtNode, DhtNode, DhtNode]
    const items = clusteredData(3, 10, DIM, 0.5, 5)
    const hasher = new LshHasher({ dimension: DIM, tables: 4, bits: 6 })
    const keys = new Set(items.flatMap((it) => hasher.keys(normalized(it.vector))))
    for (const it of items) a.index.add(it.cid, it.vector)
    a.dht.lsh!.enqueue(a.index.entries()) // returns at once: the publisher runs in the background
    expect(a.dht.metrics().lsh!.pendingProvide).toBe(items.length)
    await a.dht.lsh!.idle()
    const m = a.dht.metrics().lsh!
    expect(m.pendingProvide).toBe(0)
    // a key's records stand for documents of one cluster: far fewer keys than records
    expect(lookups).toBeLessThanOrEqual(keys.size + 4) // int8 rounding may move a vector across a hyperplane
    expect(lookups).toBeLessThan(items.length * 4)
    expect(m.requests).toBe(2) // one lput to each holder, all of its records in it
    expect(m.recordsProvided).toBe(2 * items.length * 4)
    expect(b.dht.metrics().lsh!.recordsHeld).toBe(items.length * 4)
    expect(c.dht.metrics().lsh!.recordsHeld).toBe(items.length * 4)
    // a re-provide finds every key's holders in the cache
    const before = lookups
    expect(await a.dht.reprovide({ recallSamples: 0 })).toBe(2 * items.length * 4)
    expect(lookups).toBe(before)
    expect(a.dht.metrics().lsh!.lookupCacheHits).toBeGreaterThanOrEqual(keys.size - 4)
  })
})
