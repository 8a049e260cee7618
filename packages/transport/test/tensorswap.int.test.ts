import { Network } from '@ipfrs/network'
import { localNetwork } from '@ipfrs/test-utils'
import { MemoryBlockstore } from 'blockstore-core/memory'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { afterEach, describe, expect, it } from 'vitest'
import {
  assembleChunks,
  FrameReader,
  FrameType,
  readBlock,
  sendFrame,
  TENSORSWAP_PROTOCOL,
  TensorStore,
  TensorSwap,
} from '../src/index.js'
import { connect, countPresent, makeContent, swapNodes } from './helpers.js'

const CHUNK = 64 * 1024

const nodes = swapNodes()
const node = nodes.node
afterEach(() => nodes.stopAll())

/** Copies every block of a manifest (and the manifest) into another blockstore. */
async function copyContent(from: Blockstore, to: Blockstore, cid: CID, chunks: readonly CID[]) {
  for (const c of [cid, ...chunks]) await to.put(c, await readBlock(from, c))
}

/** A blockstore whose reads or writes take `ms` each (a slow disk or a slow consumer). */
function slowBlockstore(ms: { get?: number; put?: number }): Blockstore {
  const inner = new MemoryBlockstore()
  const sleep = (t = 0) => new Promise((r) => setTimeout(r, t))
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'put' && ms.put)
        return async (cid: CID, bytes: Uint8Array) => {
          await sleep(ms.put)
          return target.put(cid, bytes)
        }
      if (prop === 'get' && ms.get)
        return async function* (cid: CID) {
          await sleep(ms.get)
          yield* target.get(cid)
        }
      const v = Reflect.get(target, prop, receiver)
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
}

describe('TensorSwap over real libp2p nodes on 127.0.0.1', () => {
  it('round trip: fetches the manifest and every chunk, verified, into the Network blockstore', async () => {
    const server = await node()
    const { cid, manifest, bytes } = await makeContent(server.blockstore, CHUNK, 40)
    const clientNet = await localNetwork(Network)
    nodes.track(clientNet)
    const client = new TensorSwap({ network: clientNet, serve: false }) // the Network's Helia blockstore
    const result = await client.fetch(cid, { providers: [server.network.addresses()[0] as string] })
    expect(result.fetched).toBe(40)
    expect(result.alreadyHad).toBe(0)
    expect(result.bytesReceived).toBe(manifest.byteLength)
    expect(result.wireBytes).toBeGreaterThan(manifest.byteLength)
    const got = await assembleChunks(clientNet.helia.blockstore as unknown as Blockstore, manifest)
    expect(Buffer.compare(got, bytes)).toBe(0)
    // the fetched manifest block is stored too, so the tensor store reads the content back
    const store = new TensorStore({ blockstore: clientNet.helia.blockstore as unknown as Blockstore })
    expect(Buffer.compare(await store.getBytes(cid), bytes)).toBe(0)
    expect(server.swap.serverStats?.chunksSent).toBe(40)

    // a second fetch moves nothing
    const again = await client.fetch(cid, { providers: [server.network.peerId] })
    expect(again.fetched).toBe(0)
    expect(again.bytesReceived).toBe(0)
  })

  it('delivers priority chunks first, in the order asked, then the rest ascending', async () => {
    const server = await node()
    const client = await node()
    const { cid } = await makeContent(server.blockstore, 16 * 1024, 30)
    const arrived: number[] = []
    await client.swap.fetch(cid, {
      providers: [await connect(client.network, server.network)],
      priority: [29, 7, 3, 20],
      onProgress: ({ detail: p }) => arrived.push(p.index),
    })
    const rest = Array.from({ length: 30 }, (_, i) => i).filter((i) => ![29, 7, 3, 20].includes(i))
    expect(arrived).toEqual([29, 7, 3, 20, ...rest])
  })

  it('streamsPerProvider: several streams to one provider share its chunks, each chunk verified once stored', async () => {
    const server = await node()
    const client = await node()
    const { cid, manifest, bytes } = await makeContent(server.blockstore, CHUNK, 48)
    const handed = new Map<number, Uint8Array>()
    const result = await client.swap.fetch(cid, {
      providers: [await connect(client.network, server.network)],
      streamsPerProvider: 3,
      // each chunk's verified bytes, once (a chunk sent twice by two streams is handed over once)
      onChunk: (index, chunk) => {
        expect(handed.has(index)).toBe(false)
        handed.set(index, chunk)
      },
    })
    expect(result.fetched).toBe(48)
    expect(Buffer.compare(Buffer.concat(manifest.chunks.map((_, i) => handed.get(i) as Uint8Array)), bytes)).toBe(0)
    expect(result.providers).toHaveLength(1) // one provider, its sessions added up
    expect(result.providers[0]?.sessions).toBe(3)
    expect(result.providers[0]?.chunks).toBe(48 + result.duplicates)
    expect(server.swap.serverStats?.streams).toBe(3)
    expect(Buffer.compare(await assembleChunks(client.blockstore, manifest), bytes)).toBe(0)
  })

  it('splits the work over 3 providers and finishes when one of them dies mid-way', async () => {
    const origin = new MemoryBlockstore()
    const { cid, manifest, bytes } = await makeContent(origin, CHUNK, 120)
    const providers = await Promise.all([node(), node(), node()])
    for (const p of providers) await copyContent(origin, p.blockstore, cid, manifest.chunks)
    const client = await node()
    const ids = await Promise.all(providers.map((p) => connect(client.network, p.network)))
    const victim = providers[1] as Awaited<ReturnType<typeof node>>
    let killed = false
    const result = await client.swap.fetch(cid, {
      providers: ids,
      credit: 4,
      onProgress: ({ detail: p }) => {
        if (!killed && p.peer === victim.network.peerId.toString()) {
          killed = true // the victim has delivered: now it goes away for good
          void victim.swap.stop().then(() => victim.network.stop())
        }
      },
    })
    expect(killed).toBe(true)
    expect(result.fetched).toBe(120)
    expect(await countPresent(client.blockstore, manifest)).toBe(120)
    expect(Buffer.compare(await assembleChunks(client.blockstore, manifest), bytes)).toBe(0)
    const byPeer = new Map(result.providers.map((p) => [p.peer, p]))
    const dead = byPeer.get(victim.network.peerId.toString())
    expect(dead?.error).toBeDefined()
    expect(dead?.chunks).toBeLessThan(120 / 2)
    const alive = result.providers.filter((p) => p.error === undefined)
    expect(alive.length).toBe(2)
    for (const p of alive) expect(p.chunks).toBeGreaterThan(0)
    expect(result.providers.reduce((n, p) => n + p.chunks, 0)).toBe(120 + result.duplicates)
  })

  it('work stealing: a slow provider ends up with few chunks, the fast one with most', async () => {
    const origin = new MemoryBlockstore()
    const { cid, manifest } = await makeContent(origin, 16 * 1024, 60)
    const fast = await node()
    const slow = await node(slowBlockstore({ get: 150 }))
    await copyContent(origin, fast.blockstore, cid, manifest.chunks)
    await copyContent(origin, slow.blockstore, cid, manifest.chunks)
    const client = await node()
    const ids = [await connect(client.network, slow.network), await connect(client.network, fast.network)]
    const result = await client.swap.fetch(cid, { providers: ids, credit: 4 })
    expect(result.fetched).toBe(60)
    const chunksOf = (n: Network) => result.providers.find((p) => p.peer === n.peerId.toString())?.chunks ?? 0
    expect(chunksOf(fast.network)).toBeGreaterThan(chunksOf(slow.network) * 3)
    expect(await countPresent(client.blockstore, manifest)).toBe(60)
  })

  it('flow control: a slow receiver never has more chunks in flight than the credit it granted', async () => {
    const server = await node()
    const { cid, manifest } = await makeContent(server.blockstore, 16 * 1024, 40)
    const client = await node(slowBlockstore({ put: 15 }))
    const result = await client.swap.fetch(cid, {
      providers: [await connect(client.network, server.network)],
      credit: 4,
    })
    expect(result.fetched).toBe(40)
    expect(await countPresent(client.blockstore, manifest)).toBe(40)
    const stats = server.swap.serverStats
    expect(stats?.maxInFlight).toBeGreaterThan(0)
    expect(stats?.maxInFlight).toBeLessThanOrEqual(4)
  })

  it('flow control: the server stops at the credit a raw client grants and resumes on a CREDIT frame', async () => {
    const server = await node()
    const { cid } = await makeContent(server.blockstore, 8 * 1024, 10)
    const client = await node()
    const stream = await client.network.libp2p.dialProtocol(
      await connect(client.network, server.network),
      TENSORSWAP_PROTOCOL,
    )
    const reader = new FrameReader(stream, 1024 * 1024)
    const wants = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    await sendFrame(stream, { type: FrameType.REQUEST, cid, flags: 0, credit: 3, wants })
    expect((await reader.next())?.type).toBe(FrameType.HEADER)
    const got: number[] = []
    for (let i = 0; i < 3; i++) {
      const f = await reader.next()
      if (f?.type === FrameType.CHUNK) got.push(f.index)
    }
    await new Promise((r) => setTimeout(r, 300)) // a server ignoring credit would have sent all 10 by now
    expect(server.swap.serverStats?.chunksSent).toBe(3)
    await sendFrame(stream, { type: FrameType.CREDIT, credit: 2 })
    for (let i = 0; i < 2; i++) {
      const f = await reader.next()
      if (f?.type === FrameType.CHUNK) got.push(f.index)
    }
    expect(got).toEqual([9, 8, 7, 6, 5])
    await new Promise((r) => setTimeout(r, 100))
    expect(server.swap.serverStats?.chunksSent).toBe(5)
    await stream.close()
    await reader.close()
  })
})
