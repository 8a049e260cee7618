// A stock Helia node that speaks only WebSockets (as a browser node does) dials our `/ws` listener and fetches our
// content over Bitswap. No @ipfrs code on its side; everything on 127.0.0.1.
import { createHash, randomBytes } from 'node:crypto'
import { tempDir } from '@ipfrs/test-utils'
import { webSockets } from '@libp2p/websockets'
import { afterEach, describe, expect, it } from 'vitest'
import { onlineNode } from './helpers.js'
import { stockHelia } from './stock-helia.js'

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

describe('WebSockets listener', () => {
  const stops: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
    stops.length = 0
  })

  it('is off unless Addresses.Swarm lists a /ws address', async () => {
    const t = await tempDir()
    stops.push(t.cleanup)
    const plain = await onlineNode(`${t.dir}/plain`)
    stops.push(() => plain.stop())
    expect(plain.network.addresses().some((a) => a.includes('/ws'))).toBe(false)
  })

  it('a WebSockets-only stock Helia node dials our /ws address and fetches a block over Bitswap', async () => {
    const t = await tempDir()
    stops.push(t.cleanup)
    const ours = await onlineNode(`${t.dir}/ours`, {
      config: { Addresses: { Swarm: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'] } },
    })
    stops.push(() => ours.stop())
    const wsAddr = ours.network.libp2p.getMultiaddrs().find((a) => a.toString().includes('/ws/'))
    expect(wsAddr?.toString()).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\//)

    const helia = await stockHelia({ addresses: { listen: [] }, transports: [webSockets()] })
    stops.push(() => helia.stop())
    const connection = await helia.libp2p.dial(wsAddr!)
    expect(connection.remoteAddr.toString()).toContain('/ws')

    const bytes = new Uint8Array(randomBytes(100_000))
    const { cid } = await ours.block.put(bytes, { format: 'raw' })
    const parts: Uint8Array[] = []
    for await (const part of helia.blockstore.get(cid as never, { signal: AbortSignal.timeout(30_000) }))
      parts.push(part)
    expect(sha(Buffer.concat(parts))).toBe(sha(bytes))
    // it came over the WebSocket connection, the only one
    expect(helia.libp2p.getConnections().map((c) => c.remoteAddr.toString())).toEqual([
      connection.remoteAddr.toString(),
    ])
  })
})
