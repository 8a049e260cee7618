// A block fetched, deleted (gc) and wanted again from the same connected peer must come back at once. Helia's
// Bitswap 4.0.19 sender kept each want it had served in the peer's ledger as sent and ignored a repeat of it (then
// dropped it as expired), so the second want went unanswered until our session's retry (10 s) asked again, twice
// (`ipfrs cat` after `ipfrs repo gc`: 1 s the first time, 20 s the second). Patched in
// patches/@helia__bitswap@4.0.19.patch: a want of a block already sent is served again, as go-bitswap does.
import { cidOf } from '@ipfrs/core'
import { collect, localNetwork } from '@ipfrs/test-utils'
import { MemoryBlockstore } from 'blockstore-core'
import { afterEach, describe, expect, it } from 'vitest'
import { Network } from '../src/index.js'

describe('re-fetching a block after deleting it', () => {
  const networks: Network[] = []
  afterEach(async () => {
    await Promise.allSettled(networks.map((n) => n.stop()))
    networks.length = 0
  })

  it('gets it again from the same peer without waiting for a want retry', { timeout: 60_000 }, async () => {
    const bytes = new TextEncoder().encode('asked for twice '.repeat(1000))
    const cid = cidOf(bytes, 0x55)
    const senderStore = new MemoryBlockstore()
    await senderStore.put(cid, bytes)
    const receiverStore = new MemoryBlockstore()
    const sender = await localNetwork(Network, { blockstore: senderStore })
    const receiver = await localNetwork(Network, { blockstore: receiverStore })
    networks.push(sender, receiver)
    await receiver.connect(sender.addresses()[0] as string)
    for (let round = 0; round < 3; round++) {
      // far below the 10 s after which a session asks again: an unanswered want fails the round
      const got = await collect(receiver.session(cid).get(cid, { signal: AbortSignal.timeout(8000) }))
      expect(Buffer.from(got).equals(bytes)).toBe(true)
      await receiverStore.delete(cid)
      expect(await receiverStore.has(cid)).toBe(false)
    }
  })
})
