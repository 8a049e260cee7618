// The semantic DHT in online nodes (node.semantic.searchNetwork): a proximity-aware search (peers with the nearest
// summaries first, stopping when no other peer can improve the top-k) against the flooding baseline (ask every peer,
// `exhaustive: true`), in the same run over the same nodes and queries: latency, peers contacted, recall@k.
// Run after `pnpm -s turbo run build --filter ipfrs...`:  node packages/ipfrs/bench/semantic-network.ts
// Writes bench/results/semantic-node.{json,md}. BENCH_QUICK=1 for a small run.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { localConfig } from '@ipfrs/core'
import { median, writeReport } from '../../../bench/lib/report.ts'
import { createNode } from '../dist/index.js'

const QUICK = process.env.BENCH_QUICK === '1'
const NODES = QUICK ? 6 : 10
const DOCS = QUICK ? 30 : 150
const QUERIES = QUICK ? 10 : 40
const K = 10

/** Deterministic pseudo-random words; node n's documents mostly use its own 60-word vocabulary. */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}
const vocab = (n: number) => Array.from({ length: 60 }, (_, i) => `w${n}x${i}`)
function doc(n: number, i: number): string {
  const r = rng(n * 100_003 + i)
  const own = vocab(n)
  const out: string[] = []
  for (let j = 0; j < 50; j++)
    out.push(r() < 0.85 ? (own[Math.floor(r() * 60)] ?? '') : `common${Math.floor(r() * 30)}`)
  return out.join(' ')
}

const dir = await mkdtemp(join(tmpdir(), 'ipfrs-bench-semnet-'))
const nodes = []
try {
  for (let n = 0; n < NODES; n++) {
    const node = createNode({
      repoPath: join(dir, `n${n}`),
      online: true,
      init: {
        config: localConfig({ transports: ['tcp'] }),
      },
    })
    await node.start()
    nodes.push(node)
  }
  const searcher = nodes[0]
  for (const other of nodes.slice(1)) {
    const addr = other.network.addresses().find((a: string) => a.includes('/tcp/'))
    await searcher.network.connect(addr)
  }
  const deadline = Date.now() + 20_000
  while (searcher.semantic.network.stats().knownPeers < NODES - 1 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50))
  }
  // the searcher holds nothing itself; every other node indexes its own documents (records go to their peers)
  for (let n = 1; n < NODES; n++) {
    for (let i = 0; i < DOCS; i++) {
      const { cid } = await nodes[n].addBytes(new TextEncoder().encode(doc(n, i)))
      await nodes[n].semantic.indexCid(cid.toString())
    }
  }
  // drop the records the searcher was sent, so both modes must ask peers (the point is routing, not caching)
  const records = searcher.semantic.network.dht.records
  for (let n = 1; n < NODES; n++) records.deleteFrom(nodes[n].id().ID)

  const pruned = { ms: [] as number[], peers: 0 }
  const flood = { ms: [] as number[], peers: 0 }
  let recall = 0
  for (let q = 0; q < QUERIES; q++) {
    const n = 1 + (q % (NODES - 1))
    const text = doc(n, 10_000 + q)
    let t = performance.now()
    const a = await searcher.semantic.searchNetwork(text, K)
    pruned.ms.push(performance.now() - t)
    pruned.peers += searcher.semantic.network.dht.metrics().lastQuery?.peersContacted ?? 0
    t = performance.now()
    const b = await searcher.semantic.searchNetwork(text, K, { exhaustive: true })
    flood.ms.push(performance.now() - t)
    flood.peers += searcher.semantic.network.dht.metrics().lastQuery?.peersContacted ?? 0
    const got = new Set(a.map((h: { cid: string }) => h.cid))
    recall += b.length === 0 ? 1 : b.filter((h: { cid: string }) => got.has(h.cid)).length / b.length
  }
  const pm = median(pruned.ms)
  const fm = median(flood.ms)
  writeReport(
    'semantic-node',
    'Semantic DHT in online nodes: proximity-aware searchNetwork vs flooding every peer',
    [
      {
        mode: 'flooding (baseline)',
        'median ms': fm.toFixed(2),
        'peers asked / query': (flood.peers / QUERIES).toFixed(2),
        'recall@10': '1.000',
      },
      {
        mode: 'proximity-aware (ours)',
        'median ms': pm.toFixed(2),
        'peers asked / query': (pruned.peers / QUERIES).toFixed(2),
        'recall@10': (recall / QUERIES).toFixed(3),
      },
      {
        mode: 'ratio ours / baseline',
        'median ms': (pm / fm).toFixed(2),
        'peers asked / query': (pruned.peers / flood.peers).toFixed(2),
        'recall@10': '',
      },
    ],
    [
      `${NODES} nodes on 127.0.0.1 over TCP, ${DOCS} text files indexed on each of ${NODES - 1}, ${QUERIES} queries, k=${K}.`,
      'Recall is measured against the flooding search (which asks every peer, so it is exact up to HNSW).',
      'Records peers pushed to the searcher are dropped before each search, so both modes must route to peers.',
    ],
  )
} finally {
  for (const node of nodes) await node.stop().catch(() => undefined)
  await rm(dir, { recursive: true, force: true })
}
