/**
 * Semantic routing beyond connected peers, in a real network: 20 IPFRS nodes on 127.0.0.1, each dialling two others
 * and keeping at most 4 connections (`Swarm.ConnMgr`), index clustered documents through `semantic.indexCid`
 * (published as LSH records on kad-dht, `Semantic.DhtRouting`); a 21st node joins afterwards through two of them and
 * searches. Its top-10 is compared with a flat exact top-10 over every document (recall@10), and most of its hits
 * must come from peers it had never been connected to when the search began.
 */
import { join } from 'node:path'
import { FlatIndex, HashingTextEmbedder, mulberry32 } from '@ipfrs/semantic'
import { tempDir, waitFor } from '@ipfrs/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Node } from '../src/index.js'
import { onlineNode } from './helpers.js'

const NODES = 20
const CLUSTERS = 10
const DOCS_PER_CLUSTER = 12
const DIMENSION = 128
const MAX_CONNECTIONS = 4

/** Each node's config: few connections, DHT routing on, word hashing at DIMENSION (localConfig: loopback, no bootstrap). */
const CONFIG = {
  Swarm: {
    ConnMgr: { LowWater: 3, HighWater: MAX_CONNECTIONS, GracePeriodSeconds: 10 },
    Transports: { Network: { TCP: true, QUIC: false } },
  },
  // the test's files need no provider records: only the semantic LSH records are published
  Routing: { AutoProvide: false, LoopbackAddressesOnWanDHT: false },
  // a small network's LSH shape: 3 tables of 4 bits (similar documents share keys), each key on 5 peers
  Semantic: {
    Enabled: true,
    Embedder: 'hashing',
    Dimension: DIMENSION,
    Metric: 'cosine',
    DhtRouting: true,
    LshTables: 3,
    LshBits: 4,
    LshProbes: 6,
    LshReplicas: 5,
  },
}

// the corpus and the queries are the same every run
const rand = mulberry32(15)
/** Cluster c's vocabulary: 16 words of its own. */
const vocab = (c: number) => Array.from({ length: 16 }, (_, w) => `topic${c}word${w}`)
const SHARED = ['the', 'and', 'of', 'with', 'about', 'notes']

/** A document of cluster `c`: 30 words, mostly its cluster's, a few shared ones. */
function documentText(c: number, i: number): string {
  const words = vocab(c)
  const out = [`doc-${c}-${i}`]
  for (let j = 0; j < 30; j++) {
    out.push(
      rand() < 0.8 ? (words[Math.floor(rand() * words.length)] as string) : (SHARED[j % SHARED.length] as string),
    )
  }
  return out.join(' ')
}

/** A query near cluster `c`: a few of its words. */
function queryText(c: number): string {
  const words = vocab(c)
  return Array.from({ length: 6 }, () => words[Math.floor(rand() * words.length)]).join(' ')
}

const connectionsOf = (n: Node) => new Set(n.network.peers().map((p) => p.peer)).size

describe('semantic routing over kad-dht in 20 nodes keeping at most 4 connections each', () => {
  const nodes: Node[] = []
  let searcher: Node | undefined
  const holderOf = new Map<string, string>() // cid -> peer id
  const central = new FlatIndex({ dimension: DIMENSION, metric: 'cosine' })
  const embedder = new HashingTextEmbedder({ dimension: DIMENSION })
  let cleanup: (() => Promise<void>) | undefined
  const everConnected = new Set<string>()

  beforeAll(async () => {
    const t0 = Date.now()
    const phase = (what: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`)
    const t = await tempDir()
    cleanup = t.cleanup
    const started = await Promise.all(
      Array.from({ length: NODES }, (_, i) => onlineNode(join(t.dir, `n${i}`), { config: CONFIG })),
    )
    nodes.push(...started)
    phase('started')
    const addr = (n: Node) => n.network.addresses().find((a) => a.includes('/tcp/')) as string
    // sparse: a ring plus one chord each, so every node dials two others
    await Promise.all(
      nodes.map(async (n, i) => {
        await n.network.connect(addr(nodes[(i + 1) % NODES] as Node))
        await n.network.connect(addr(nodes[(i + 7) % NODES] as Node))
      }),
    )
    // kad-dht takes a peer into its routing table once identify says it speaks the protocol
    const tableSize = (n: Node) =>
      (n.network.libp2p.services as { lanDHT: { routingTable: { size: number } } }).lanDHT.routingTable.size
    await waitFor(() => nodes.every((n) => tableSize(n) >= 2), { timeout: 30_000, what: 'the DHT routing tables' })
    phase('connected')
    // clustered documents: each node holds half of one cluster's
    const docs: Array<{ node: Node; text: string }> = []
    for (let c = 0; c < CLUSTERS; c++) {
      for (let i = 0; i < DOCS_PER_CLUSTER; i++) {
        docs.push({ node: nodes[(c + CLUSTERS * (i % 2)) % NODES] as Node, text: documentText(c, i) })
      }
    }
    // each node indexes its own documents, the nodes at once
    await Promise.all(
      nodes.map(async (node) => {
        for (const { text } of docs.filter((d) => d.node === node)) {
          const { cid } = await node.addBytes(new TextEncoder().encode(text))
          const { cid: key, chunks } = await node.semantic.indexCid(cid.toString())
          expect(chunks).toBe(1)
          holderOf.set(key, node.peerId)
          central.add(key, await embedder.embed(text))
        }
      }),
    )
    phase('indexed')
    // every node's records are on the DHT (the background publisher is done)
    await waitFor(
      async () => {
        for (const n of nodes) await n.semantic.network.dht.lsh?.idle()
        return nodes.every((n) => (n.semantic.network.dht.lsh?.status().pendingProvide ?? 1) === 0)
      },
      { timeout: 240_000, interval: 200, what: 'the LSH records to be published' },
    )
    phase(
      `published: lookups ${nodes.map((n) => n.semantic.network.dht.lsh?.status().lookups).join(',')} provided ${nodes.map((n) => n.semantic.network.dht.lsh?.status().recordsProvided).join(',')}`,
    )
    // the searcher joins now, through two nodes
    searcher = await onlineNode(join(t.dir, 'searcher'), { config: CONFIG })
    searcher.network.libp2p.addEventListener('peer:connect', (e) => everConnected.add(String(e.detail)))
    // a node busy with other peers' dials may reset a new one (libp2p's pending-inbound limit): try again
    for (const n of [nodes[0] as Node, nodes[NODES / 2] as Node]) {
      const s = searcher
      await waitFor(
        async () =>
          s.network.connect(addr(n)).then(
            () => true,
            () => false,
          ),
        {
          timeout: 30_000,
          interval: 500,
          what: 'the searcher to connect',
        },
      )
    }
    const sr = searcher
    await waitFor(() => tableSize(sr) >= 2, { timeout: 30_000, what: "the searcher's DHT routing table" })
    phase(`searcher joined; connections ${nodes.map(connectionsOf).join(',')}`)
  }, 300_000)

  afterAll(async () => {
    await Promise.allSettled([...nodes, ...(searcher ? [searcher] : [])].map((n) => n.stop()))
    await cleanup?.()
  }, 60_000)

  it('finds the exact top-10 (recall@10 >= 0.9), mostly on peers the searcher had never been connected to', async () => {
    const s = searcher as Node
    // the peers the searcher had ever been connected to when it began searching (its two bootstrap peers, and any
    // that dialled it since); the searches run at once, so none of them benefits from another's connections
    const before = new Set(everConnected)
    const queries = Array.from({ length: 12 }, (_, q) => queryText(q % CLUSTERS))
    const results = await Promise.all(
      queries.map(async (text) => {
        const vector = await embedder.embed(text)
        const want = central.searchSimilar(vector, 10).map((h) => h.cid)
        const got = await s.semantic.searchNetwork(vector, 10)
        const found = new Set(got.map((h) => h.cid))
        return { text, got, recall: want.filter((c) => found.has(c)).length / want.length }
      }),
    )
    let fromStrangers = 0
    let hitsSeen = 0
    for (const { text, got, recall } of results) {
      for (const h of got) {
        expect(h.provider).toBe(holderOf.get(h.cid)) // every hit names the node that indexed it
        hitsSeen++
        if (!before.has(h.provider)) fromStrangers++
      }
      console.log(`query "${text}": recall@10 ${recall}`)
    }
    const recall = results.reduce((sum, r) => sum + r.recall, 0) / results.length
    const lsh = s.semantic.network.dht.lsh?.status()
    console.log(
      `recall@10 ${recall.toFixed(3)}; hits from peers never connected before the search ${fromStrangers}/${hitsSeen}` +
        ` (connected before: ${before.size}); kad-dht lookups ${lsh?.lookups}, requests ${lsh?.requests}`,
    )
    expect(recall).toBeGreaterThanOrEqual(0.9)
    expect(fromStrangers / hitsSeen).toBeGreaterThan(0.5)
    expect(lsh?.lookups).toBeGreaterThan(0)
  })

  it('every node keeps at most 4 connections once the connection manager has trimmed', {
    timeout: 90_000,
  }, async () => {
    const all = [...nodes, searcher as Node]
    await waitFor(() => all.every((n) => connectionsOf(n) <= MAX_CONNECTIONS), {
      timeout: 60_000,
      interval: 250,
      what: 'every node to be trimmed to 4 connections',
    })
    expect(Math.max(...all.map(connectionsOf))).toBeLessThanOrEqual(MAX_CONNECTIONS)
  })
})
