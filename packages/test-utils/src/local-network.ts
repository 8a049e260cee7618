import { defaultConfig, type NodeConfig } from '@ipfrs/core'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'

/**
 * What `localNetwork` needs of `@ipfrs/network`'s `Network` class. The class is passed in rather than imported: the
 * network package's own tests use these helpers, and a dependency back on it would be a cycle.
 */
export interface NetworkFactory<N extends { start(): Promise<void> }> {
  create(init: { config: NodeConfig; privateKey: PrivateKey; blockstore: Blockstore; datastore: Datastore }): N
}

export interface LocalNetworkOptions {
  /** The blockstore Bitswap serves from (default: a new in-memory one). */
  blockstore?: Blockstore
  /** Changes the config before the node is created. */
  configure?: (config: NodeConfig) => void
}

/**
 * A started Network on 127.0.0.1 over TCP only, with a new Ed25519 key, an in-memory datastore and no bootstrap
 * peers (never the public list: tests stay offline).
 */
export async function localNetwork<N extends { start(): Promise<void> }>(
  network: NetworkFactory<N>,
  options: LocalNetworkOptions = {},
): Promise<N> {
  const config = defaultConfig()
  config.Addresses.Swarm = ['/ip4/127.0.0.1/tcp/0']
  config.Swarm.Transports.Network = { TCP: true, QUIC: false }
  config.Bootstrap = []
  config.Routing.LoopbackAddressesOnWanDHT = true
  options.configure?.(config)
  const node = network.create({
    config,
    privateKey: await generateKeyPair('Ed25519'),
    blockstore: options.blockstore ?? new MemoryBlockstore(),
    datastore: new MemoryDatastore(),
  })
  await node.start()
  return node
}
