import { join } from 'node:path'
import { parseCid } from '@ipfrs/core'
import { FlatIndex, HashingTextEmbedder } from '@ipfrs/semantic'
import { collect, tempDir, waitFor } from '@ipfrs/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNode, type Node } from '../src/index.js'
import { onlineNode as online } from './helpers.js'

/** A started online node on 127.0.0.1 (TCP), bootstrapping from `bootstrap` only (never the public list). */
const onlineNode = (repoPath: string, bootstrap: string[]) => online(repoPath, { bootstrap })

const TOPICS = [
  ['astronomy', 'telescope', 'galaxy', 'nebula', 'planet', 'orbit', 'comet', 'stellar'],
  ['cooking', 'recipe', 'oven', 'flour', 'butter', 'garlic', 'simmer', 'sauce'],
  ['football', 'goal', 'striker', 'referee', 'stadium', 'penalty', 'league', 'match'],
  ['database', 'index', 'query', 'transaction', 'table', 'schema', 'join', 'replica'],
] as const

/** Deterministic text: mostly words of node `n`'s topic, a few shared words, varied by `i`. */
function textOf(n: number, i: number): string {
  const words = TOPICS[n] ?? []
  const out: string[] = [`document ${n}-${i}`]
  for (let j = 0; j < 40; j++) out.push(words[(i * 7 + j * (i + 3)) % words.length] ?? '', j % 5 === 0 ? 'the' : 'and')
  return out.join(' ')
}

describe('the semantic DHT in four online nodes on 127.0.0.1', () => {
  const nodes: Node[] = []
  const texts = new Map<string, string>() // cid -> text
  const holder = new Map<string, number>() // cid -> node index
  let cleanup: (() => Promise<void>) | undefined
  let dir = ''

  beforeAll(async () => {
    const t = await tempDir()
    cleanup = t.cleanup
    dir = t.dir
    const a = await onlineNode(join(dir, 'n0'), [])
    nodes.push(a)
    const boot = a.network.addresses().filter((x) => x.includes('/tcp/'))
    for (let n = 1; n < TOPICS.length; n++) nodes.push(await onlineNode(join(dir, `n${n}`), boot))
    await waitFor(() => (nodes[0]?.semantic.network.stats().knownPeers ?? 0) >= TOPICS.length - 1, { timeout: 20_000 })
    for (let n = 0; n < nodes.length; n++) {
      const node = nodes[n] as Node
      for (let i = 0; i < 6; i++) {
        const text = textOf(n, i)
        const { cid } = await node.addBytes(new TextEncoder().encode(text))
        const key = cid.toString()
        const r = await node.semantic.indexCid(key)
        expect(r.cid).toBe(key)
        texts.set(key, text)
        holder.set(key, n)
      }
    }
  }, 60_000)

  afterAll(async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()))
    await cleanup?.()
  })

  it('a network search returns the true nearest neighbours held by the other nodes', async () => {
    const embedder = new HashingTextEmbedder({ dimension: 384 })
    const central = new FlatIndex({ dimension: 384, metric: 'cosine' })
    for (const [cid, text] of texts) central.add(cid, await embedder.embed(text))
    const a = nodes[0] as Node
    const ids = nodes.map((n) => n.id().ID)
    for (const q of [
      'telescope galaxy nebula',
      'garlic butter sauce',
      'penalty referee striker',
      'schema join query',
    ]) {
      const want = central.searchSimilar(await embedder.embed(q), 5)
      const got = await a.semantic.searchNetwork(q, 5)
      // the same neighbours (HNSW and exact scores may order near-ties differently)
      expect(new Set(got.map((h) => h.cid))).toEqual(new Set(want.map((h) => h.cid)))
      got.forEach((h, r) => {
        expect(h.score).toBeCloseTo(want[r]?.score ?? Number.NaN, 4)
      })
      for (const h of got) expect(h.provider).toBe(ids[holder.get(h.cid) ?? -1])
    }
    const remote = await a.semantic.searchNetwork('penalty referee striker stadium', 3)
    // three hits, every one held by the football node (an empty answer must not pass)
    expect(remote.map((h) => holder.get(h.cid))).toEqual([2, 2, 2])
  })

  it('steers lookups: the best remote hit is fetched from its provider over Bitswap', async () => {
    const a = nodes[0] as Node
    const [best] = await a.semantic.searchNetwork('flour oven recipe cooking', 1)
    expect(best).toBeDefined()
    if (!best) return
    expect(holder.get(best.cid)).toBe(1)
    expect(best.provider).toBe(nodes[1]?.id().ID)
    expect(await a.repo.blockstore.has(parseCid(best.cid))).toBe(false)
    const bytes = await collect(a.cat(best.cid))
    expect(new TextDecoder().decode(bytes)).toBe(texts.get(best.cid))
  })

  it('a vector of the wrong dimension or with NaN is a typed error', async () => {
    const a = nodes[0] as Node
    await expect(a.semantic.searchNetwork(new Float32Array(3), 5)).rejects.toMatchObject({
      code: 'ERR_DIMENSION_MISMATCH',
    })
    const nan = new Float32Array(384).fill(0.1)
    nan[7] = Number.NaN
    await expect(a.semantic.searchNetwork(nan, 5)).rejects.toMatchObject({ code: 'ERR_INVALID_VECTOR' })
    await expect(a.semantic.searchNetwork('x', 0)).rejects.toMatchObject({ code: 'ERR_INVALID_PARAMETER' })
  })

  it('stop and start keep the index, and the restarted node answers network searches again', async () => {
    const d = nodes[3] as Node
    const size = d.semantic.store.size
    await d.stop()
    await d.start()
    expect(d.semantic.store.size).toBe(size)
    expect(d.semantic.isOnline).toBe(true)
    const a = nodes[0] as Node
    await waitFor(() => a.semantic.network.stats().knownPeers >= TOPICS.length - 1, { timeout: 20_000 })
    const [best] = await d.semantic.searchNetwork('schema join query', 1)
    expect(holder.get(best?.cid ?? '')).toBe(3)
    expect(best?.provider).toBe(d.id().ID)
  })

  it('Semantic.LshTables / LshBits shape the LSH keys an online node publishes under', async () => {
    const t = await tempDir()
    const node = await online(join(t.dir, 'lsh'), {
      config: {
        Semantic: { Enabled: true, Embedder: 'hashing', Dimension: 64, LshTables: 2, LshBits: 3, LshReplicas: 5 },
      },
    })
    try {
      const hasher = node.semantic.network.dht.lsh?.store.policy.hasher
      expect(hasher?.tables).toBe(2)
      expect(hasher?.bits).toBe(3)
      // one key per table for a document's records
      expect(new Set(hasher?.keys(new Float32Array(64).fill(0.5))).size).toBe(2)
    } finally {
      await node.stop()
      await t.cleanup()
    }
  })

  it('an offline node has no network search (ERR_OFFLINE)', async () => {
    const t = await tempDir()
    const node = createNode({ repoPath: join(t.dir, 'off'), init: true })
    await node.start()
    try {
      expect(node.semantic.isOnline).toBe(false)
      await expect(node.semantic.searchNetwork('anything', 3)).rejects.toMatchObject({ code: 'ERR_OFFLINE' })
    } finally {
      await node.stop()
      await t.cleanup()
    }
  })
})
