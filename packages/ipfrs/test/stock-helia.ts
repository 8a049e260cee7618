// A stock Helia node for interop tests: Helia's own light core + libp2p + Bitswap, given only local options (no
// gateways, no delegated routing, no bootstrap list). No @ipfrs code on its side: its Bitswap is @helia/bitswap 4.0.16 as
// published (the workspace patches 4.0.19, see patches/; this package's devDependency pins the unpatched release).
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import type { Libp2pOptions } from 'libp2p'

/** libp2p options that keep a stock node on 127.0.0.1 over TCP, Noise and Yamux, discovering nothing. */
export const STOCK_LOCAL: Libp2pOptions = {
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  peerDiscovery: [],
}

/** A started stock Helia over memory stores; `options` replace entries of {@link STOCK_LOCAL} (e.g. the transports). */
export async function stockHelia(options: Libp2pOptions = {}) {
  const light = createHeliaLight({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
  const helia = withBitswap(withLibp2pLight(light, { ...STOCK_LOCAL, services: { identify: identify() }, ...options }))
  await helia.start()
  return helia
}
