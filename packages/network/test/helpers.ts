import { defaultConfig, type NodeConfig } from '@ipfrs/core'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import type { Blockstore } from 'interface-blockstore'
import { Network } from '../src/index.js'

/** A started Network on 127.0.0.1 over TCP, with in-memory stores unless a blockstore is given. */
export async function localNetwork(
  options: { blockstore?: Blockstore; configure?: (config: NodeConfig) => void } = {},
): Promise<Network> {
  const config = defaultConfig()
  config.Addresses.Swarm = ['/ip4/127.0.0.1/tcp/0']
  config.Swarm.Transports.Network = { TCP: true, QUIC: false }
  config.Bootstrap = [] // never the public list in tests
  options.configure?.(config)
  const network = Network.create({
    config,
    privateKey: await generateKeyPair('Ed25519'),
    blockstore: options.blockstore ?? new MemoryBlockstore(),
    datastore: new MemoryDatastore(),
  })
  await network.start()
  return network
}

export async function waitFor(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 25))
  }
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of source) parts.push(p)
  return new Uint8Array(Buffer.concat(parts))
}
