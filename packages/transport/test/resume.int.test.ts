import { randomInt } from 'node:crypto'
import { Network } from '@ipfrs/network'
import { codeOf, localNetwork, tempDir, waitFor } from '@ipfrs/test-utils'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { FsBlockstore } from 'blockstore-fs'
import type { Blockstore } from 'interface-blockstore'
import { afterEach, describe, expect, it } from 'vitest'
import { assembleChunks, bytesOfChunks, missingChunks, TensorSwap } from '../src/index.js'
import { connect, countPresent, makeContent } from './helpers.js'

const CHUNK = 32 * 1024
const CHUNKS = 48

let cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined)
  cleanups = []
})

async function serving() {
  const blockstore = new MemoryBlockstore()
  const network = await localNetwork(Network, { blockstore })
  const swap = new TensorSwap({ network, blockstore })
  await swap.start()
  cleanups.push(
    () => network.stop(),
    () => swap.stop(),
  )
  const content = await makeContent(blockstore, CHUNK, CHUNKS)
  return { network, swap, ...content }
}

async function receiving(blockstore: Blockstore) {
  const network = await localNetwork(Network, { blockstore })
  const swap = new TensorSwap({ network, blockstore, serve: false })
  cleanups.push(() => network.stop())
  return { network, swap }
}

describe('TensorSwap resume', () => {
  it('after a connection killed at a random chunk (and the service gone), the next fetch moves only the remainder', async () => {
    const server = await serving()
    const blockstore = new MemoryBlockstore()
    const client = await receiving(blockstore)
    const peer = await connect(client.network, server.network)
    const killAt = randomInt(3, CHUNKS - 3)
    const first = client.swap.fetch(server.cid, {
      providers: [peer],
      credit: 4,
      onProgress: ({ detail: p }) => {
        // the provider's TensorSwap service goes away with the connection (else the fetch would just open a new stream)
        if (p.received === killAt) void server.swap.stop().then(() => client.network.libp2p.hangUp(peer))
      },
    })
    expect(await codeOf(first)).toBe('ERR_TENSORSWAP_NO_PROVIDERS')
    const present = await countPresent(blockstore, server.manifest)
    expect(present).toBeGreaterThanOrEqual(killAt)
    expect(present).toBeLessThan(CHUNKS)

    const missing = await missingChunks(blockstore, server.manifest)
    expect(missing.length).toBe(CHUNKS - present)
    // the server's side of the killed stream may still be writing chunks the client will never read (at most the
    // credit of 4): count from when it has noticed
    await waitFor(() => server.swap.serverStats?.active === 0)
    const sentBefore = server.swap.serverStats?.chunksSent ?? 0
    await server.swap.start()
    await connect(client.network, server.network)
    const second = await client.swap.fetch(server.cid, { providers: [peer] })
    expect(second.alreadyHad).toBe(present)
    expect(second.fetched).toBe(CHUNKS - present)
    expect(second.bytesReceived).toBe(bytesOfChunks(server.manifest, missing))
    expect(second.bytesReceived).toBeLessThan(server.manifest.byteLength)
    expect((server.swap.serverStats?.chunksSent ?? 0) - sentBefore).toBe(CHUNKS - present)
    expect(Buffer.compare(await assembleChunks(blockstore, server.manifest), server.bytes)).toBe(0)
  })

  it('after the client restarts on the same on-disk blockstore, it asks only for the missing chunks', async () => {
    const server = await serving()
    const { dir, cleanup } = await tempDir()
    cleanups.push(cleanup)
    const killAt = randomInt(3, CHUNKS - 3)

    // first life: the process "dies" (network and blockstore shut down) part-way through
    const store1 = new FsBlockstore(dir)
    await store1.open()
    const life1 = await receiving(store1)
    const fetch1 = life1.swap.fetch(server.cid, {
      providers: [server.network.addresses()[0] as string],
      credit: 4,
      onProgress: ({ detail: p }) => {
        if (p.received === killAt) void life1.network.stop()
      },
    })
    expect(await codeOf(fetch1)).toBeDefined()
    await life1.network.stop()
    await store1.close()

    // second life: fresh objects over the same directory
    const store2 = new FsBlockstore(dir)
    await store2.open()
    cleanups.push(() => store2.close())
    const present = await countPresent(store2, server.manifest)
    expect(present).toBeGreaterThanOrEqual(killAt)
    expect(present).toBeLessThan(CHUNKS)
    const missing = await missingChunks(store2, server.manifest)
    const life2 = await receiving(store2)
    const result = await life2.swap.fetch(server.cid, { providers: [server.network.addresses()[0] as string] })
    expect(result.alreadyHad).toBe(present)
    expect(result.fetched).toBe(CHUNKS - present)
    expect(result.bytesReceived).toBe(bytesOfChunks(server.manifest, missing))
    expect(Buffer.compare(await assembleChunks(store2, server.manifest), server.bytes)).toBe(0)
  })

  it('with priority after a restart: the missing priority chunks come first', async () => {
    const server = await serving()
    const blockstore = new MemoryBlockstore()
    // the client already has the even chunks
    for (let i = 0; i < CHUNKS; i += 2) {
      const cid = server.manifest.chunks[i]
      if (cid !== undefined) await blockstore.put(cid, server.bytes.subarray(i * CHUNK, (i + 1) * CHUNK))
    }
    const client = await receiving(blockstore)
    const arrived: number[] = []
    const result = await client.swap.fetch(server.cid, {
      providers: [await connect(client.network, server.network)],
      priority: [40, 41, 3, 2],
      onProgress: ({ detail: p }) => arrived.push(p.index),
    })
    expect(result.fetched).toBe(CHUNKS / 2)
    expect(arrived.slice(0, 2)).toEqual([41, 3]) // 40 and 2 were already there
    expect(arrived.every((i) => i % 2 === 1)).toBe(true)
  })
})
