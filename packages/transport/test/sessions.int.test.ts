import { Network } from '@ipfrs/network'
import { localNetwork, waitFor } from '@ipfrs/test-utils'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeManifest, ProviderSession, readBlock, type SessionSink, TensorSwap } from '../src/index.js'
import { connect, makeContent } from './helpers.js'

let networks: Network[] = []
let swaps: TensorSwap[] = []
afterEach(async () => {
  await Promise.all(swaps.map((s) => s.stop()))
  await Promise.all(networks.map((n) => n.stop().catch(() => undefined)))
  networks = []
  swaps = []
})

async function node() {
  const blockstore = new MemoryBlockstore()
  const network = await localNetwork(Network, { blockstore })
  networks.push(network)
  const swap = new TensorSwap({ network, blockstore })
  await swap.start()
  swaps.push(swap)
  return { network, swap, blockstore }
}

describe('a provider session with work stolen back and forth', () => {
  // The scheduler cancels a chunk on one session when another takes it over, and may ask the first session for it
  // again later (it steals back, or the other provider failed). An honest provider that had already sent the chunk
  // when each cancel reached it sends it once per want: the session must accept every copy. It used to remember one
  // cancelled copy only, took the second for an unsolicited chunk, and dropped the provider as misbehaving; with every
  // provider of a fetch dropped that way the fetch failed with ERR_TENSORSWAP_NO_PROVIDERS.
  it('accepts a chunk sent once per want after want, cancel, want, cancel (a real server, in this order)', async () => {
    const server = await node()
    const { cid, manifest } = await makeContent(server.blockstore, 16 * 1024, 4)
    const client = await node()
    const peer = await connect(client.network, server.network)
    const known = decodeManifest(await readBlock(server.blockstore, cid), cid)
    const session = new ProviderSession({
      libp2p: client.network.libp2p,
      target: peer,
      cid,
      manifest: known,
      credit: 4,
    })
    const sent = () => server.swap.serverStats?.chunksSent ?? 0

    await session.open([2]) // the server sends chunk 2 at once
    await waitFor(() => sent() === 1, { what: 'the first copy of chunk 2 sent' })
    session.cancel([2]) // too late: it is on its way
    session.want([2]) // asked again: the server sends it again
    await waitFor(() => sent() === 2, { what: 'the second copy of chunk 2 sent' })
    session.cancel([2]) // too late again

    const delivered: number[] = []
    const sink: SessionSink = {
      deliver: async (_s, index) => {
        delivered.push(index)
      },
      dontHave: () => undefined,
    }
    const running = session.run(sink).then(
      () => undefined,
      (err: unknown) => err,
    )
    await waitFor(() => delivered.length === 2 || session.error !== undefined, { what: 'both copies read' })
    expect(session.error).toBeUndefined()
    expect(delivered).toEqual([2, 2])
    await session.finish()
    expect(await running).toBeUndefined()
    expect(client.network.libp2p.getConnections(peer).some((c) => c.status === 'open')).toBe(true)
    expect(server.swap.serverStats?.violations).toBe(0)
    expect(manifest.chunks.length).toBe(4)
  })
})
