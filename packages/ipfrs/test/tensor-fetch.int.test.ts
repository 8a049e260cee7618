import { join } from 'node:path'
import { parseCid } from '@ipfrs/core'
import { bytesOf, safetensorsFile, tempDir } from '@ipfrs/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNode, type Node } from '../src/index.js'
import { linkTensorSwap, onlineNode as online } from './helpers.js'

const CHUNK = 64 * 1024

/** A started online node on 127.0.0.1 with a fresh repo and no bootstrap peers; Bitswap gives up after 3 s. */
const onlineNode = (dir: string, name: string) =>
  online(join(dir, name), { config: { Routing: { FetchTimeoutSeconds: 3 } } })

const link = linkTensorSwap

/** A float32 tensor of `chunks` chunks whose values depend on `seed`, so every test stores different content. */
function weights(seed: number, chunks: number): Float32Array {
  return Float32Array.from({ length: (chunks * CHUNK) / 4 }, (_, i) => Math.sin(i * 0.001 + seed))
}

/** Chunk count and stored length of a tensor manifest, as its holder sees it. */
async function shape(holder: Node, cid: Parameters<Node['tensor']['getManifest']>[0]) {
  const m = await holder.tensor.getManifest(cid)
  return { chunks: m.chunks.length, byteLength: m.byteLength }
}

function same(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

/** A safetensors file of one F32 tensor `w`. */
const safetensors = (w: Float32Array) =>
  safetensorsFile([{ name: 'w', dtype: 'F32', shape: [w.length], data: bytesOf(w) }])

describe('node.tensor.fetch between online nodes on 127.0.0.1', () => {
  let a: Node // a provider
  let c: Node // a second provider
  let b: Node // the fetcher
  let cleanup: () => Promise<void>

  beforeAll(async () => {
    const t = await tempDir()
    a = await onlineNode(t.dir, 'a')
    c = await onlineNode(t.dir, 'c')
    b = await onlineNode(t.dir, 'b')
    await link(b, a)
    await link(b, c)
    cleanup = async () => {
      await Promise.allSettled([a.stop(), b.stop(), c.stop()])
      await t.cleanup()
    }
  })
  afterAll(async () => cleanup?.())

  it('fetches a tensor over TensorSwap, verified and pinned; reads of it are then local', async () => {
    const w = weights(1, 12)
    const cid = await a.tensor.putTensor(w, { chunkSize: CHUNK })
    const { chunks, byteLength } = await shape(a, cid)
    const r = await b.tensor.fetch(cid)
    expect(r).toMatchObject({ kind: 'tensor', chunks, alreadyHad: 0, viaTensorSwap: chunks, viaBitswap: 0 })
    expect(r.bytes).toBe(byteLength) // the Arrow IPC stream: the elements plus its framing
    expect(r.providers).toEqual([a.peerId])
    const pins = []
    for await (const p of b.pin.ls()) pins.push(p.cid.toString())
    expect(pins).toContain(cid.toString())
    const got = await b.tensor.getTensor(cid)
    expect(same(got.data as Float32Array, w)).toBe(true)
    // a second fetch has everything already
    expect(await b.tensor.fetch(cid)).toMatchObject({ alreadyHad: chunks, viaTensorSwap: 0, viaBitswap: 0, bytes: 0 })
  })

  it('splits a fetch over two providers', async () => {
    const w = weights(2, 24)
    const cid = await a.tensor.putTensor(w, { chunkSize: CHUNK })
    expect((await c.tensor.putTensor(w, { chunkSize: CHUNK })).equals(cid)).toBe(true)
    const r = await b.tensor.fetch(cid, { providers: [a.peerId, c.peerId] })
    expect(r.viaTensorSwap).toBe((await shape(a, cid)).chunks)
    expect(r.providers.sort()).toEqual([a.peerId, c.peerId].sort())
    expect(same((await b.tensor.getTensor(cid)).data as Float32Array, w)).toBe(true)
  })

  it('resumes a fetch cut short: only the missing chunks move the second time', async () => {
    const w = weights(3, 20)
    const cid = await a.tensor.putTensor(w, { chunkSize: CHUNK })
    const stop = new AbortController()
    const cut = await b.tensor
      .fetch(cid, { signal: stop.signal, onProgress: (e) => e.detail.done >= 5 * CHUNK && stop.abort() })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(cut).toBeDefined()
    const { chunks, byteLength } = await shape(a, cid)
    const r = await b.tensor.fetch(cid)
    expect(r.alreadyHad).toBeGreaterThanOrEqual(5)
    expect(r.alreadyHad).toBeLessThan(chunks)
    expect(r.viaTensorSwap).toBe(chunks - r.alreadyHad)
    expect(r.bytes).toBe(byteLength - r.alreadyHad * CHUNK) // the short last chunk is never among the first ones
    expect(same((await b.tensor.getTensor(cid)).data as Float32Array, w)).toBe(true)
  })

  it('fetches a safetensors model; its file is rebuilt byte for byte', async () => {
    const file = safetensors(weights(4, 6))
    const { cid } = await a.tensor.importSafetensors(file, { chunkSize: CHUNK })
    const r = await b.tensor.fetch(cid)
    expect(r).toMatchObject({ kind: 'model', tensors: 1, viaBitswap: 0 })
    expect(r.viaTensorSwap).toBe(r.chunks)
    expect(Buffer.from(await b.tensor.exportSafetensors(cid)).equals(Buffer.from(file))).toBe(true)
  })

  it('falls back to Bitswap when the provider does not serve TensorSwap', async () => {
    const w = weights(5, 8)
    const cid = await c.tensor.putTensor(w, { chunkSize: CHUNK })
    await c.tensor.stop() // c still has the blocks and answers Bitswap, but no longer speaks TensorSwap
    try {
      const { chunks, byteLength } = await shape(c, cid)
      const r = await b.tensor.fetch(cid, { providers: [c.peerId] })
      expect(r).toMatchObject({ viaTensorSwap: 0, viaBitswap: chunks, bytes: byteLength })
      expect(same((await b.tensor.getTensor(cid)).data as Float32Array, w)).toBe(true)
    } finally {
      await c.tensor.start()
    }
  })

  it('holds the GC lock while fetching: a GC started mid-fetch removes nothing of it', async () => {
    const w = weights(6, 16)
    const cid = await a.tensor.putTensor(w, { chunkSize: CHUNK })
    let gc: Promise<unknown> | undefined
    await b.tensor.fetch(cid, {
      onProgress: () => {
        gc ??= b.gc({ minAgeSeconds: 0 })
      },
    })
    await gc
    expect(same((await b.tensor.getTensor(cid)).data as Float32Array, w)).toBe(true)
  })

  it('reading a tensor the repo lacks fetches it first (online)', async () => {
    const w = weights(7, 4)
    const cid = await a.tensor.putTensor(w, { chunkSize: CHUNK })
    const bytes = await b.tensor.getBytes(cid)
    expect(bytes.byteLength).toBeGreaterThan(w.byteLength) // the Arrow IPC stream around the elements
    expect(same((await b.tensor.getTensor(cid)).data as Float32Array, w)).toBe(true)
  })

  it('content nobody has → ERR_TENSOR_FETCH_FAILED; a bad CID → ERR_INVALID_CID', async () => {
    const nobody = parseCid('bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
    await expect(b.tensor.fetch(nobody, { findTimeoutMs: 500 })).rejects.toMatchObject({
      code: 'ERR_TENSOR_FETCH_FAILED',
    })
    await expect(b.tensor.fetch('not-a-cid')).rejects.toMatchObject({ code: 'ERR_INVALID_CID' })
  })
})

describe('node.tensor.fetch offline', () => {
  it('has nothing to do for content in the repo; content not there is ERR_OFFLINE', async () => {
    const t = await tempDir()
    const node = createNode({ repoPath: join(t.dir, 'r'), init: true })
    await node.start()
    try {
      const cid = await node.tensor.putTensor(Float32Array.of(1, 2, 3))
      expect(await node.tensor.fetch(cid)).toMatchObject({ chunks: 1, alreadyHad: 1, bytes: 0 })
      const absent = parseCid('bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
      await expect(node.tensor.fetch(absent)).rejects.toMatchObject({ code: 'ERR_OFFLINE' })
    } finally {
      await node.stop()
      await t.cleanup()
    }
  })
})
