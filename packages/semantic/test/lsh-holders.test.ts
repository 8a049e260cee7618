import { createHash } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId, PeerInfo } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { byDistance, HolderCache } from '../src/lsh-holders.js'

const digest = (b: Uint8Array) => BigInt(`0x${createHash('sha256').update(b).digest('hex')}`)
/** Kademlia's distance as kad-dht measures it, as a number: sha256(key) XOR sha256(peer ID multihash). */
const distance = (key: string, p: PeerId) => digest(new TextEncoder().encode(key)) ^ digest(p.toMultihash().bytes)

async function peers(n: number): Promise<PeerId[]> {
  return Promise.all(Array.from({ length: n }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
}

describe('LSH holders', () => {
  it('orders peers by XOR distance to the key, whatever order they were found in', async () => {
    const ps = await peers(12)
    const key = '/ipfrs-lsh/16/8x8/3/101'
    const want = [...ps].sort((a, b) => (distance(key, a) < distance(key, b) ? -1 : 1))
    expect(byDistance(key, ps)).toEqual(want)
    expect(byDistance(key, [...ps].reverse())).toEqual(want)
    expect(byDistance('/ipfrs-lsh/16/8x8/3/102', ps)).not.toEqual(want) // another key, another order
  })

  it('a lookup answering in any order gives the same holders, nearest first', async () => {
    const [self, ...ps] = await peers(9)
    const key = '/ipfrs-lsh/16/8x8/0/7'
    const lookup = (order: PeerId[]) =>
      new HolderCache({
        self: self as PeerId,
        // libp2p merges its DHTs' answers as they arrive; self may be among them
        closestPeers: async function* () {
          for (const id of [self as PeerId, ...order]) yield { id, multiaddrs: [] } satisfies PeerInfo
        },
      }).closest(key)
    const a = await lookup(ps)
    const b = await lookup([...ps].reverse())
    expect(a).toEqual(b)
    expect(a).toEqual(byDistance(key, ps))
    expect(a.some((p) => p.equals(self as PeerId))).toBe(false)
  })
})
