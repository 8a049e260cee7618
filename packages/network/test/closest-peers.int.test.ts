import { createHash } from 'node:crypto'
import { localNetwork, waitFor } from '@ipfrs/test-utils'
import type { PeerId } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Network } from '../src/index.js'

const NODES = 12
const tableSize = (n: Network) => (n.libp2p.services.lanDHT as { routingTable: { size: number } }).routingTable.size
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest()

/** Kademlia's distance, computed here independently: XOR of the SHA-256 of the key and of the peer ID's multihash. */
function distance(key: Uint8Array, peer: PeerId): Buffer {
  const k = sha256(key)
  const p = sha256(peer.toMultihash().bytes)
  return Buffer.from(p.map((b, i) => b ^ (k[i] as number)))
}

describe('closestPeers: a Kademlia lookup that ends once the `count` closest peers are settled', () => {
  const networks: Network[] = []
  beforeAll(async () => {
    // the LAN DHT only (loopback peers stay out of the public one), as on a LAN
    for (let i = 0; i < NODES; i++) {
      const lanOnly = (c: { Routing: { LoopbackAddressesOnWanDHT?: boolean } }) => {
        c.Routing.LoopbackAddressesOnWanDHT = false
      }
      networks.push(await localNetwork(Network, { configure: lanOnly }))
    }
    // every node knows every other, so the true closest peers of any key are known to the test
    await Promise.all(
      networks.map(async (n, i) => {
        for (const m of networks.slice(i + 1)) await n.connect(m.addresses()[0] as string)
      }),
    )
    await waitFor(() => networks.every((n) => tableSize(n) === NODES - 1), { timeout: 30_000, what: 'routing tables' })
  }, 60_000)
  afterAll(async () => {
    await Promise.allSettled(networks.map((n) => n.stop()))
  })

  it('returns the peers that answered, closest first; with `count`, the true `count` closest', async () => {
    const a = networks[0] as Network
    const others = networks.slice(1).map((n) => n.peerId)
    for (const word of ['alpha', 'beta', 'gamma', 'delta']) {
      const key = new TextEncoder().encode(word)
      const truth = [...others].sort((x, y) => Buffer.compare(distance(key, x), distance(key, y))).map(String)
      const whole = (await a.closestPeers(key, { signal: AbortSignal.timeout(30_000) })).map((p) => p.id)
      const bounded = (await a.closestPeers(key, { count: 3, signal: AbortSignal.timeout(30_000) })).map((p) => p.id)
      for (const found of [whole, bounded]) {
        expect(found.map(String)).not.toContain(a.peerId.toString())
        const sorted = [...found].sort((x, y) => Buffer.compare(distance(key, x), distance(key, y)))
        expect(found.map(String)).toEqual(sorted.map(String))
      }
      expect(whole.map(String)).toEqual(truth) // kad-dht asks every peer of a network smaller than k = 20
      expect(bounded.slice(0, 3).map(String)).toEqual(truth.slice(0, 3))
    }
  })

  it('a signal aborts it', async () => {
    const a = networks[1] as Network
    await expect(a.closestPeers(new Uint8Array([1, 2, 3]), { signal: AbortSignal.abort() })).rejects.toThrow()
  })
})
