import { cidOf } from '@ipfrs/core'
import { localNetwork, waitFor } from '@ipfrs/test-utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { lanPeerInfo, wanPeerInfo } from '../src/dht-filters.js'
import { LAN_KAD_PROTOCOL, Network } from '../src/index.js'

interface Dht {
  routingTable: { size: number }
  findProviders(cid: unknown, o?: object): AsyncIterable<{ name: string; providers?: Array<{ id: unknown }> }>
}
const dht = (n: Network, name: 'dht' | 'lanDHT') => n.libp2p.services[name] as Dht

describe('LAN DHT', () => {
  const networks: Network[] = []
  afterEach(async () => {
    await Promise.allSettled(networks.map((n) => n.stop()))
    networks.length = 0
  })

  const node = async (loopbackOnWan: boolean) => {
    const n = await localNetwork(Network, {
      configure: (c) => {
        c.Routing.LoopbackAddressesOnWanDHT = loopbackOnWan
      },
    })
    networks.push(n)
    return n
  }

  it('two nodes on 127.0.0.1 meet in the LAN DHT only, and find each other’s content through it', async () => {
    const a = await node(false)
    // a node's own addresses are in its peer store from the start (libp2p writes them 1 s late), so a peer that asks
    // it for providers right after its provide is told about it, even before its own copy of the record is stored
    expect((await a.libp2p.peerStore.get(a.peerId)).addresses.length).toBeGreaterThan(0)
    const b = await node(false)
    await b.connect(a.addresses()[0] as string)
    await waitFor(() => dht(a, 'lanDHT').routingTable.size === 1 && dht(b, 'lanDHT').routingTable.size === 1, {
      what: 'LAN routing tables',
    })
    expect(a.libp2p.getProtocols()).toContain(LAN_KAD_PROTOCOL)

    const cid = cidOf(new TextEncoder().encode('only on the LAN'), 0x55)
    await a.provide(cid)
    const found: string[] = []
    for await (const p of b.findProviders(cid, { signal: AbortSignal.timeout(30_000) })) found.push(p.id.toString())
    expect(found).toContain(a.peerId.toString())
    // the LAN DHT alone answers it
    const viaLan: string[] = []
    for await (const e of dht(b, 'lanDHT').findProviders(cid, { signal: AbortSignal.timeout(30_000) })) {
      if (e.name === 'PROVIDER') viaLan.push(...(e.providers ?? []).map((p) => String(p.id)))
    }
    expect(viaLan).toContain(a.peerId.toString())

    // loopback-only peers never entered the public DHT's routing tables
    expect(dht(a, 'dht').routingTable.size).toBe(0)
    expect(dht(b, 'dht').routingTable.size).toBe(0)
  })

  it('with Routing.LoopbackAddressesOnWanDHT (the test profile) they meet in the public DHT too', async () => {
    const a = await node(true)
    const b = await node(true)
    await b.connect(a.addresses()[0] as string)
    await waitFor(() => dht(a, 'dht').routingTable.size === 1 && dht(b, 'dht').routingTable.size === 1, {
      what: 'public routing tables',
    })
    await waitFor(() => dht(a, 'lanDHT').routingTable.size === 1, { what: 'LAN routing table' })
  })

  it('a peer record in the public DHT carries only public addresses; the LAN DHT only private ones', () => {
    const id = peerIdFromString('12D3KooWKd6CjSmjXLC9cGSeRuN64TZEDszJnrwbTWRjzxhQuBXW')
    const addrs = [
      '/ip4/93.184.215.14/tcp/4001',
      '/ip4/192.168.1.20/tcp/4001',
      '/ip4/10.0.0.5/udp/4001/quic-v1',
      '/ip4/127.0.0.1/tcp/4001',
      '/ip6/::1/tcp/4001',
      '/dns4/example.org/tcp/443/wss',
    ].map((a) => multiaddr(a))
    const peer = { id, multiaddrs: addrs }
    const text = (p: { multiaddrs: Array<{ toString(): string }> }) => p.multiaddrs.map(String)
    expect(text(wanPeerInfo(false)(peer))).toEqual(['/ip4/93.184.215.14/tcp/4001', '/dns4/example.org/tcp/443/wss'])
    expect(text(wanPeerInfo(true)(peer))).toEqual([
      '/ip4/93.184.215.14/tcp/4001',
      '/ip4/127.0.0.1/tcp/4001',
      '/ip6/::1/tcp/4001',
      '/dns4/example.org/tcp/443/wss',
    ])
    expect(text(lanPeerInfo(peer))).toEqual([
      '/ip4/192.168.1.20/tcp/4001',
      '/ip4/10.0.0.5/udp/4001/quic-v1',
      '/ip4/127.0.0.1/tcp/4001',
      '/ip6/::1/tcp/4001',
    ])
  })
})
