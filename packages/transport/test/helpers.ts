import { randomBytes } from 'node:crypto'
import { Network } from '@ipfrs/network'
import { localNetwork } from '@ipfrs/test-utils'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { MemoryBlockstore } from 'blockstore-core/memory'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import {
  encodeManifest,
  type Frame,
  FrameReader,
  putChunks,
  sendFrame,
  type TensorManifest,
  TensorSwap,
} from '../src/index.js'

/**
 * Nodes for a test file: `node()` starts a Network on 127.0.0.1 with TensorSwap serving `blockstore`, `track()` adds a
 * Network started elsewhere; `stopAll()` (in afterEach) stops them all.
 */
export function swapNodes() {
  let networks: Network[] = []
  let swaps: TensorSwap[] = []
  return {
    async node(blockstore: Blockstore = new MemoryBlockstore()) {
      const network = await localNetwork(Network, { blockstore })
      networks.push(network)
      const swap = new TensorSwap({ network, blockstore })
      await swap.start()
      swaps.push(swap)
      return { network, swap, blockstore }
    },
    track<N extends Network>(network: N): N {
      networks.push(network)
      return network
    },
    async stopAll() {
      await Promise.all(swaps.map((s) => s.stop()))
      await Promise.all(networks.map((n) => n.stop().catch(() => undefined)))
      networks = []
      swaps = []
    },
  }
}

/** Connects `a` to `b`; returns b's PeerId as a's libp2p knows it. */
export async function connect(a: Network, b: Network): Promise<PeerId> {
  const addr = b.addresses()[0]
  if (addr === undefined) throw new Error('no address')
  await a.connect(addr)
  return b.peerId
}

/** Random content stored as a raw F32 TensorManifest of `chunks` chunks (the last one shorter). */
export async function makeContent(
  blockstore: Blockstore,
  chunkSize: number,
  chunks: number,
): Promise<{ cid: CID; manifest: TensorManifest; bytes: Uint8Array }> {
  const byteLength = chunkSize * chunks - 4 * 3 // last chunk 12 bytes short, still a whole number of f32
  const bytes = new Uint8Array(randomBytes(byteLength))
  const cids = await putChunks(blockstore, bytes, chunkSize)
  const manifest: TensorManifest = {
    type: 'ipfrs/tensor',
    version: 1,
    encoding: 'raw',
    dtype: 'F32',
    shape: [byteLength / 4],
    strides: [1],
    byteLength,
    chunkSize,
    chunks: cids,
  }
  const encoded = encodeManifest(manifest)
  await blockstore.put(encoded.cid, encoded.bytes)
  return { cid: encoded.cid, manifest, bytes }
}

/** How many of the manifest's chunks the blockstore holds. */
export async function countPresent(blockstore: Blockstore, manifest: TensorManifest): Promise<number> {
  let n = 0
  for (const c of manifest.chunks) if (await blockstore.has(c)) n++
  return n
}

/** A hand-written TensorSwap peer: raw frames in and out of one stream, for misbehaving on purpose. */
export interface RawPeer {
  stream: Stream
  connection: Connection
  reader: FrameReader
  send(frame: Frame): Promise<number>
  /** Sends raw bytes (not a well-formed frame). */
  sendRaw(bytes: Uint8Array): void
}

/** Wraps a stream as a RawPeer. */
export function rawPeer(stream: Stream, connection: Connection, maxFrameSize = 64 * 1024 * 1024 + 64): RawPeer {
  return {
    stream,
    connection,
    reader: new FrameReader(stream, maxFrameSize),
    send: (frame) => sendFrame(stream, frame),
    sendRaw: (bytes) => {
      stream.send(bytes)
    },
  }
}
