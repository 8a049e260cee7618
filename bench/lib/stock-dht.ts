// Stock js-libp2p + stock @libp2p/kad-dht, as a baseline for DHT lookups: TCP on 127.0.0.1, Noise, Yamux, identify,
// ping (kad-dht needs it), and kad-dht on /ipfs/kad/1.0.0 set up for a LAN as its README shows (server mode, since
// loopback addresses never flip it out of client mode by themselves; loopback addresses kept). Nothing else: no
// GossipSub, AutoNAT, Bitswap or Helia. It joins by dialling the bootstrap node once it has started, which is what
// @libp2p/bootstrap (used by our nodes) does after its timer.
import type { CID } from '@ipfrs/core'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper, type SingleKadDHT } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { DhtNode } from './dht-lookups.ts'

type Address = Parameters<Libp2p['dial']>[0]

/** A started stock libp2p node with kad-dht, joining through the first of `bootstrap` (another stock node's address). */
export async function stockDhtNode(bootstrap: ReadonlyArray<{ toString(): string }>): Promise<DhtNode> {
  const libp2p = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({ protocol: '/ipfs/kad/1.0.0', clientMode: false, peerInfoMapper: passthroughMapper }),
    },
  })
  if (bootstrap[0] !== undefined) {
    try {
      await libp2p.dial(bootstrap[0] as Address)
    } catch (err) {
      await libp2p.stop()
      throw err
    }
  }
  const dht = libp2p.services.dht as SingleKadDHT & {
    providers: { getProviders(cid: CID): Promise<unknown[]> }
  }
  return {
    id: libp2p.peerId.toString(),
    // multiaddr objects, which libp2p.dial takes (bench/ has no multiaddr parser of its own)
    addresses: () => libp2p.getMultiaddrs(),
    routingTableSize: () => dht.routingTable.size,
    holdsRecord: async (cid) => (await dht.providers.getProviders(cid)).length > 0,
    provide: async (cid, signal) => {
      await libp2p.contentRouting.provide(cid as never, { signal })
    },
    findProviders: async function* (cid, signal) {
      for await (const p of libp2p.contentRouting.findProviders(cid as never, { signal })) yield p.id.toString()
    },
    stop: async () => {
      await libp2p.stop()
    },
  }
}
