// Stock Helia, as a baseline: Helia's own pieces wired with nothing but what is given here. createHeliaLight +
// withLibp2pLight + withBitswap is `createHelia` minus its HTTP gateway block broker, its extra codecs and
// @helia/libp2p's default libp2p services (public bootstrap list, delegated HTTP routing, UPnP, AutoTLS, relay,
// mDNS, WebRTC, ...): withLibp2pLight passes the libp2p options below to createLibp2p unchanged.
// Its Bitswap is @helia/bitswap 4.0.16 as published: the workspace patches 4.0.19 (patches/), which is ours, not stock.
import { quic } from '@chainsafe/libp2p-quic'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import type { CID } from '@ipfrs/core'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { MemoryBlockstore } from 'blockstore-core'
import { FsBlockstore } from 'blockstore-fs'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { exporter } from 'ipfs-unixfs-exporter'
import { importer } from 'ipfs-unixfs-importer'
import { kuboImporterOptions } from '../add-options.ts'

export type Transport = 'tcp' | 'quic'

type StockHelia = ReturnType<typeof createStockHelia>

/** A stock Helia node listening on 127.0.0.1 over one transport; blocks in memory, or in a blockstore-fs at `fsPath`. */
function createStockHelia(transport: Transport, blockstore: MemoryBlockstore | FsBlockstore) {
  const light = createHeliaLight({ blockstore, datastore: new MemoryDatastore() })
  const withNet = withLibp2pLight(light, {
    addresses: { listen: [transport === 'tcp' ? '/ip4/127.0.0.1/tcp/0' : '/ip4/127.0.0.1/udp/0/quic-v1'] },
    transports: [transport === 'tcp' ? tcp() : quic()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    // identify tells each side that the other speaks Bitswap; nothing else runs
    services: { identify: identify() },
  })
  return withBitswap(withNet)
}

/** Two stock Helia nodes, connected, the sender holding one UnixFS file. */
export interface StockPair {
  readonly root: CID
  /** The receiver's read of the file: a Bitswap session seeded with the sender, exported with ipfs-unixfs-exporter. */
  read(): AsyncIterable<Uint8Array>
  stop(): Promise<void>
}

/**
 * Starts a sender and a receiver, imports `content` into the sender's `helia.blockstore` with the stock importer
 * (Kubo's settings, as our node uses), and connects the receiver to the sender. Nothing of this is timed by callers.
 */
export async function stockPair(
  transport: Transport,
  content: AsyncIterable<Uint8Array>,
  fsPaths?: { sender: string; receiver: string },
): Promise<StockPair> {
  const store = async (path: string | undefined) => {
    if (path === undefined) return new MemoryBlockstore()
    const fs = new FsBlockstore(path)
    await fs.open()
    return fs
  }
  const sendStore = await store(fsPaths?.sender)
  const receiveStore = await store(fsPaths?.receiver)
  const sender: StockHelia = createStockHelia(transport, sendStore)
  const receiver: StockHelia = createStockHelia(transport, receiveStore)
  const stop = async () => {
    await Promise.allSettled([sender.stop(), receiver.stop()])
    for (const s of [sendStore, receiveStore]) if (s instanceof FsBlockstore) await s.close()
  }
  try {
    await sender.start()
    await receiver.start()
    let root: CID | undefined
    for await (const entry of importer([{ content }], sender.blockstore, kuboImporterOptions)) root = entry.cid as CID
    if (root === undefined) throw new Error('the importer yielded nothing')
    const address = sender.libp2p.getMultiaddrs()[0]
    if (address === undefined) throw new Error('the stock sender listens nowhere')
    await receiver.libp2p.dial(address)
    const senderId = sender.libp2p.peerId.toCID()
    const fileRoot = root
    return {
      root: fileRoot,
      read: () =>
        (async function* () {
          const session = receiver.blockstore.createSession(fileRoot, { providers: [senderId] })
          try {
            const entry = await exporter(fileRoot, session)
            if (entry.type !== 'file') throw new Error(`expected a file, got ${entry.type}`)
            yield* entry.content()
          } finally {
            session.close()
          }
        })(),
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}
