// QUIC streams between two of our nodes read more than @chainsafe/libp2p-quic's 4 KiB per native read once data
// flows (quic-reads.ts), the bytes arrive whole and in order, and what the larger reads take of their budget comes back
// when the connection closes.

import { createHash } from 'node:crypto'
import { localNetwork } from '@ipfrs/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { Network } from '../src/index.js'
import { grownQuicReadBytes, QUIC_GROWN_READS_BYTES } from '../src/quic-reads.js'

const PROTOCOL = '/ipfrs-test/quic-reads/1.0.0'
const WRITE = 256 * 1024
const TOTAL = 4 * 1024 * 1024
/** What the library asks of its native stream per read. */
const LIBRARY_READ = 4096

describe('QUIC stream reads', () => {
  const stops: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    await Promise.allSettled(stops.map((s) => s()))
    stops.length = 0
  })

  const quicNode = async () => {
    const n = await localNetwork(Network, {
      configure: (config) => {
        config.Addresses.Swarm = ['/ip4/127.0.0.1/udp/0/quic-v1']
        config.Swarm.Transports.Network = { TCP: false, QUIC: true }
      },
    })
    stops.push(() => n.stop())
    return n
  }

  it('a 4 MiB stream arrives intact in reads larger than 4 KiB', async () => {
    const sender = await quicNode()
    const receiver = await quicNode()
    const bytes = new Uint8Array(TOTAL)
    for (let i = 0; i < TOTAL; i++) bytes[i] = (i * 7 + (i >> 12)) & 0xff
    await sender.libp2p.handle(PROTOCOL, async (stream) => {
      for (let at = 0; at < TOTAL; at += WRITE) {
        if (!stream.send(bytes.subarray(at, at + WRITE))) {
          await new Promise((resolve) => stream.addEventListener('drain', resolve, { once: true }))
        }
      }
      // the stream stays open (the receiver's next read pending) until the receiver closes the connection
    })
    const conn = await receiver.libp2p.dial(sender.libp2p.getMultiaddrs()[0]!)
    expect(conn.remoteAddr.toString()).toContain('/quic-v1')
    const stream = await conn.newStream(PROTOCOL)
    // with a listener attached, every native read is dispatched as one message of its own
    const sizes: number[] = []
    const hash = createHash('sha256')
    let received = 0
    await new Promise<void>((resolve) => {
      stream.addEventListener('message', (event) => {
        sizes.push(event.data.byteLength)
        hash.update(event.data.subarray())
        received += event.data.byteLength
        if (received >= TOTAL) resolve()
      })
    })
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(TOTAL)
    expect(hash.digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'))
    expect(Math.max(...sizes)).toBeGreaterThan(LIBRARY_READ)
    expect(sizes.length).toBeLessThan(TOTAL / LIBRARY_READ)
    // the stream's next read, pending, asks more than 4 KiB; a closed connection's streams give that back
    expect(grownQuicReadBytes()).toBeGreaterThan(0)
    expect(grownQuicReadBytes()).toBeLessThanOrEqual(QUIC_GROWN_READS_BYTES)
    await conn.close()
    await expect.poll(() => grownQuicReadBytes(), { timeout: 60_000, interval: 50 }).toBe(0)
  })
})
