// A bench peer: a libp2p Network on 127.0.0.1 (TCP only, no bootstrap) over a memory blockstore, serving TensorSwap.
import { defaultConfig } from '@ipfrs/core'
import { Network } from '@ipfrs/network'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { MemoryDatastore } from 'datastore-core'
import { TensorSwap } from '../dist/index.js'

export interface Peer {
  network: Network
  blockstore: MemoryBlockstore
  swap: TensorSwap
}

export async function peer(): Promise<Peer> {
  const config = defaultConfig()
  config.Addresses.Swarm = ['/ip4/127.0.0.1/tcp/0']
  config.Swarm.Transports.Network = { TCP: true, QUIC: false }
  config.Bootstrap = []
  const blockstore = new MemoryBlockstore()
  const network = Network.create({
    config,
    privateKey: await generateKeyPair('Ed25519'),
    blockstore,
    datastore: new MemoryDatastore(),
  })
  await network.start()
  const swap = new TensorSwap({ network, blockstore })
  await swap.start()
  return { network, blockstore, swap }
}
