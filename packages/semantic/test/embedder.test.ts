import { isIpfrsError } from '@ipfrs/core'
import { describe, expect, it } from 'vitest'
import { SemanticStore } from '../src/semantic-store.js'
import { HashingTextEmbedder } from '../src/text-embedder.js'
import { score } from '../src/vectors.js'

const cos = (a: Float32Array, b: Float32Array) => score('cosine', a, b)

describe('HashingTextEmbedder', () => {
  const e = new HashingTextEmbedder({ dimension: 256 })

  it('is deterministic across calls and instances, and unit length', async () => {
    const t = 'The quick brown fox jumps over the lazy dog'
    const a = await e.embed(t)
    expect(await e.embed(t)).toEqual(a)
    expect(await new HashingTextEmbedder({ dimension: 256 }).embed(t)).toEqual(a)
    expect(a).toHaveLength(256)
    let sq = 0
    for (const x of a) sq += x * x
    expect(sq).toBeCloseTo(1, 5)
    expect(await new HashingTextEmbedder({ dimension: 256, seed: 1 }).embed(t)).not.toEqual(a)
    expect(e.id).not.toBe(new HashingTextEmbedder({ dimension: 256, seed: 1 }).id)
    expect(await e.embedBatch([t, 'other text'])).toEqual([a, await e.embed('other text')])
  })

  it('ignores case, punctuation and Unicode width', async () => {
    expect(await e.embed('Hello, World!')).toEqual(await e.embed('hello world'))
    expect(await e.embed('ｈｅｌｌｏ world')).toEqual(await e.embed('hello world'))
  })

  it('scores lexically similar texts above unrelated ones (default 384 dimensions)', async () => {
    const e = new HashingTextEmbedder()
    const base = await e.embed('distributed hash table for peer to peer content routing')
    const similar = await e.embed('a peer-to-peer distributed hash table routes content')
    const inflected = await e.embed('distributing hashed tables, routing contents between peers')
    const unrelated = await e.embed('baking sourdough bread needs flour water and patience')
    expect(cos(base, similar)).toBeGreaterThan(cos(base, unrelated) + 0.3)
    expect(cos(base, inflected)).toBeGreaterThan(cos(base, unrelated) + 0.1)
    expect(Math.abs(cos(base, unrelated))).toBeLessThan(0.2)
  })

  it('rejects bad input and options with typed errors', async () => {
    for (const text of ['', '   ...  ', 42 as unknown as string]) {
      await expect(e.embed(text)).rejects.toSatisfy((err) => isIpfrsError(err, 'ERR_INVALID_PARAMETER'))
    }
    expect(() => new HashingTextEmbedder({ dimension: 1 })).toThrowError(
      expect.objectContaining({ code: 'ERR_INVALID_PARAMETER' }),
    )
    expect(() => new HashingTextEmbedder({ weights: { word: -1 } })).toThrowError(
      expect.objectContaining({ code: 'ERR_INVALID_PARAMETER' }),
    )
    const ac = new AbortController()
    ac.abort()
    await expect(e.embed('hello', { signal: ac.signal })).rejects.toThrow()
  })
})

describe('SemanticStore with the hashing embedder', () => {
  it('finds the document that shares the query words first', async () => {
    const store = new SemanticStore({ dimension: 256 })
    await store.start()
    const docs = {
      a: 'Bitswap exchanges blocks between peers that want them',
      b: 'Kademlia DHT finds providers for a content identifier',
      c: 'GossipSub spreads messages on a topic mesh',
      d: 'HNSW builds a layered graph for nearest neighbour search',
      e: 'Arrow IPC frames tensors for zero-copy transport',
    }
    for (const [cid, text] of Object.entries(docs)) await store.indexText(cid, text)
    expect((await store.query('nearest neighbour graph search', 3))[0]!.cid).toBe('d')
    expect((await store.query('which peers provide this content identifier', 3))[0]!.cid).toBe('b')
    expect(await store.query('tensors', 5, { cidPrefix: 'e' })).toHaveLength(1)
    await expect(store.query('', 3)).rejects.toSatisfy((err) => isIpfrsError(err, 'ERR_INVALID_PARAMETER'))
    await store.stop()
  })
})
