// How Helia's Bitswap 4.0.19 sends, as patched in patches/@helia__bitswap@4.0.19.patch:
// - it opened a new stream (open, protocol negotiation, close) for every message; a block's round trip on loopback
//   took 16-20 ms. One outbound stream per peer now carries the messages while they keep coming, is closed after 5 s
//   idle, and is replaced when it closes or fails.
// - a burst to a peer whose receive windows are full (js-ipfs's yamux keeps each stream's at 256 KiB) opens more
//   streams, up to 4, instead of queueing every message behind the first.
// - it read every block a peer wanted before sending the first (js-ipfs wants 174 leaves, 43.5 MiB, at once); it now
//   sends each full message (4 MiB) while reading the rest.
import { cidOf } from '@ipfrs/core'
import { collect, localNetwork, waitFor } from '@ipfrs/test-utils'
import type { Stream } from '@libp2p/interface'
import { MemoryBlockstore } from 'blockstore-core'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { afterEach, describe, expect, it } from 'vitest'
import { Network } from '../src/index.js'

const BITSWAP = '/ipfs/bitswap/1.2.0'
const MiB = 1024 * 1024

/** `count` raw blocks of 1 MiB, block i filled with the byte i + 1, in a memory blockstore. */
async function mibBlocks(count: number): Promise<{ store: MemoryBlockstore; cids: CID[] }> {
  const store = new MemoryBlockstore()
  const cids: CID[] = []
  for (let i = 0; i < count; i++) {
    const bytes = new Uint8Array(MiB).fill(i + 1)
    const cid = cidOf(bytes, 0x55)
    await store.put(cid, bytes)
    cids.push(cid)
  }
  return { store, cids }
}

/** The Bitswap streams `network` has open to or from `peer`, in one direction. */
function bitswapStreams(network: Network, peer: Network, direction: 'inbound' | 'outbound'): Stream[] {
  return network.libp2p
    .getConnections(peer.peerId)
    .flatMap((c) => c.streams)
    .filter((s) => s.protocol === BITSWAP && s.direction === direction)
}

describe("Bitswap's outbound streams", () => {
  const networks: Network[] = []
  afterEach(async () => {
    await Promise.allSettled(networks.map((n) => n.stop()))
    networks.length = 0
  })

  async function pair(blocks: number) {
    const senderStore = new MemoryBlockstore()
    const content: Array<{ cid: CID; bytes: Uint8Array }> = []
    for (let i = 0; i < blocks; i++) {
      const bytes = new TextEncoder().encode(`block ${i} `.repeat(200))
      const cid = cidOf(bytes, 0x55)
      await senderStore.put(cid, bytes)
      content.push({ cid, bytes })
    }
    const sender = await localNetwork(Network, { blockstore: senderStore })
    const receiver = await localNetwork(Network, { blockstore: new MemoryBlockstore() })
    networks.push(sender, receiver)
    await receiver.connect(sender.addresses()[0] as string)
    const fetch = async (i: number) => {
      const { cid, bytes } = content[i]!
      // far below the 10 s after which a session asks again: a want left unanswered fails the test
      const got = await collect(receiver.session(cid).get(cid, { signal: AbortSignal.timeout(8000) }))
      expect(Buffer.from(got).equals(bytes)).toBe(true)
    }
    return { sender, receiver, fetch }
  }

  it('carry every message to a peer over one stream, closed once idle', { timeout: 60_000 }, async () => {
    const { sender, receiver, fetch } = await pair(12)
    const seen = new Set<string>()
    for (let i = 0; i < 12; i++) {
      await fetch(i)
      // the sender's blocks reached the receiver over a stream that is still open after the message
      const inbound = bitswapStreams(receiver, sender, 'inbound')
      expect(inbound).toHaveLength(1)
      seen.add(inbound[0]!.id)
    }
    expect([...seen]).toHaveLength(1)
    // idle for 5 s: closed by the sender, before a Helia receiver's 10 s timeout would abort it
    await waitFor(() => bitswapStreams(receiver, sender, 'inbound').length === 0, {
      timeout: 20_000,
      what: 'the idle stream to close',
    })
    await fetch(0)
  })

  it('replace a stream the other side ended, without losing the next message', { timeout: 60_000 }, async () => {
    const { sender, receiver, fetch } = await pair(3)
    await fetch(0)
    const [inbound] = bitswapStreams(receiver, sender, 'inbound')
    expect(inbound).toBeDefined()
    inbound!.abort(new Error('the receiver gave up on this stream'))
    await waitFor(() => bitswapStreams(sender, receiver, 'outbound').length === 0, {
      what: 'the sender to see its stream reset',
    })
    await fetch(1)
    const [replacement] = bitswapStreams(receiver, sender, 'inbound')
    expect(replacement?.id).not.toBe(inbound!.id)
    await fetch(2)
  })

  it('open more streams, at most 4, while the peer has not taken what was sent', { timeout: 60_000 }, async () => {
    const { store, cids } = await mibBlocks(24)
    const sender = await localNetwork(Network, { blockstore: store })
    const receiver = await localNetwork(Network, { blockstore: new MemoryBlockstore() })
    networks.push(sender, receiver)
    // the receiver takes Bitswap streams itself and reads none of them until told to: yamux stops granting window
    const inbound: Stream[] = []
    await receiver.libp2p.unhandle(BITSWAP)
    await receiver.libp2p.handle(BITSWAP, (stream) => {
      stream.pause()
      inbound.push(stream)
    })
    await receiver.connect(sender.addresses()[0] as string)
    // one want list of 24 MiB: six 4 MiB messages from the sender
    const wants = await receiver.libp2p.dialProtocol(sender.peerId, BITSWAP)
    wants.send(lengthPrefixed(wantList(cids)))
    await waitFor(() => inbound.length >= 2, { timeout: 20_000, what: 'a second stream while the first is full' })
    // all six messages are queued on the sender by now; still no more than four streams
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(inbound.length).toBeLessThanOrEqual(4)
    let received = 0
    for (const stream of inbound) {
      stream.addEventListener('message', (e) => {
        received += e.data.byteLength
      })
      stream.resume()
    }
    // every block arrives once the streams are read (with protobuf and length-prefix bytes on top)
    await waitFor(() => received >= 24 * MiB, { timeout: 20_000, what: 'the 24 blocks' })
    expect(received).toBeLessThan(25 * MiB)
  })

  it('send the first wanted blocks before reading the last', { timeout: 60_000 }, async () => {
    const { store, cids } = await mibBlocks(8)
    // the sender cannot read the last block until the receiver holds the first
    let release!: () => void
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    const gated = new Proxy(store, {
      get(target, key, receiver) {
        if (key !== 'get') return Reflect.get(target, key, receiver)
        return (cid: CID, options?: unknown) => {
          if (!cid.equals(cids[7])) return target.get(cid, options as never)
          return (async function* () {
            await released
            yield* target.get(cid, options as never)
          })()
        }
      },
    }) as Blockstore
    const sender = await localNetwork(Network, { blockstore: gated })
    const receiverStore = new MemoryBlockstore()
    const receiver = await localNetwork(Network, { blockstore: receiverStore })
    networks.push(sender, receiver)
    await receiver.connect(sender.addresses()[0] as string)
    // one want list of all eight, as js-ipfs asks for a DAG level
    const all = Promise.all(
      cids.map((cid) => collect(receiver.helia.blockstore.get(cid, { signal: AbortSignal.timeout(30_000) }))),
    )
    await waitFor(() => receiverStore.has(cids[0]!), { timeout: 20_000, what: 'the first block, the last one unread' })
    release()
    const got = await all
    expect(got.map((b) => b[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })
})

/** A Bitswap 1.2.0 message wanting each of `cids` (wantType Block): field numbers from Bitswap's message.proto. */
function wantList(cids: CID[]): Uint8Array {
  const entries = cids.map((cid) => field(1, concat([field(1, cid.bytes), [0x10, 0x01]])))
  return field(1, concat(entries))
}

/** A length-delimited protobuf field. */
function field(num: number, bytes: Uint8Array): Uint8Array {
  return concat([[(num << 3) | 2], varint(bytes.byteLength), bytes])
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  return concat([varint(bytes.byteLength), bytes])
}

function varint(n: number): number[] {
  const out: number[] = []
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n & 0x7f) | 0x80)
  out.push(n)
  return out
}

function concat(parts: Array<Uint8Array | number[]>): Uint8Array {
  return Buffer.concat(parts.map((p) => Uint8Array.from(p)))
}
