import { type CID, cidOf } from '@ipfrs/core'
import { collect, localNetwork } from '@ipfrs/test-utils'
import { MemoryBlockstore } from 'blockstore-core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Network } from '../src/index.js'

// A hash worker that dies with a message's buffer (it was transferred there): the fault is injected where the
// worker pool answers, everything else (two real nodes, Bitswap over TCP) is as it runs
vi.mock('@ipfrs/core', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@ipfrs/core')>()),
  digestOffThread: async () => {
    throw new Error('hash worker exited (1)')
  },
}))

describe('a hash worker that dies while hashing a received message', () => {
  const networks: Network[] = []
  afterEach(async () => {
    await Promise.allSettled(networks.map((n) => n.stop()))
    networks.length = 0
  })

  it('costs that fetch (it ends at its deadline), not the node: it serves and fetches small blocks after', async () => {
    const big = new Uint8Array(200_000).fill(7)
    const small = new TextEncoder().encode('hashed where it arrives '.repeat(20))
    const [bigCid, smallCid] = [cidOf(big, 0x55), cidOf(small, 0x55)] as [CID, CID]
    const store = new MemoryBlockstore()
    await store.put(bigCid, big)
    await store.put(smallCid, small)
    const sender = await localNetwork(Network, { blockstore: store })
    const receiver = await localNetwork(Network, { blockstore: new MemoryBlockstore() })
    networks.push(sender, receiver)
    await receiver.connect(sender.addresses()[0]!)
    await sender.provide(bigCid)

    // a message of 64 KiB or more goes to the (dying) worker: its stream is aborted, the block never arrives, and
    // the read ends with the caller's own deadline (no unhandled rejection: vitest fails a run that has one)
    const failed = collect(receiver.session(bigCid).get(bigCid, { signal: AbortSignal.timeout(3_000) }))
    await expect(failed).rejects.toMatchObject({ name: 'TimeoutError' })
    // the receiver is still up and connected, and a block under 64 KiB still comes (hashed in place)
    const got = await collect(receiver.session(smallCid).get(smallCid, { signal: AbortSignal.timeout(30_000) }))
    expect(Buffer.from(got).equals(small)).toBe(true)
    expect(receiver.peers().some((p) => p.peer === sender.peerId.toString())).toBe(true)
  })
})
