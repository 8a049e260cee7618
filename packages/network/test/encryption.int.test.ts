// Which security transport a connection gets: TLS 1.3 between two of our nodes (offered first, as Kubo does), Noise
// with a stock libp2p node that offers only Noise (e.g. js-ipfs) and TLS with one that offers only TLS, whichever
// side dials.

import { localNetwork } from '@ipfrs/test-utils'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { tls } from '@libp2p/tls'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { Network } from '../src/index.js'

describe('connection encryption', () => {
  const stops: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    await Promise.allSettled(stops.map((s) => s()))
    stops.length = 0
  })

  const ours = async () => {
    const n = await localNetwork(Network)
    stops.push(() => n.stop())
    return n
  }

  const stockWith = async (encrypter: 'noise' | 'tls'): Promise<Libp2p> => {
    const node = await createLibp2p({
      privateKey: await generateKeyPair('Ed25519'),
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [encrypter === 'noise' ? noise() : tls()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
    })
    stops.push(async () => node.stop())
    return node
  }

  it('two IPFRS nodes agree on TLS 1.3, the first they offer', async () => {
    const a = await ours()
    const b = await ours()
    await b.connect(a.addresses()[0]!)
    const conns = b.libp2p.getConnections(a.libp2p.peerId)
    expect(conns.length).toBeGreaterThan(0)
    expect(conns[0]!.encryption).toBe('/tls/1.0.0')
  })

  it('a Noise-only peer connects with Noise, dialling us and dialled by us', async () => {
    const a = await ours()
    const stock = await stockWith('noise')
    const inbound = await stock.dial(a.libp2p.getMultiaddrs()[0]!)
    expect(inbound.encryption).toBe('/noise')
    await inbound.close()
    const stock2 = await stockWith('noise')
    await a.connect(stock2.getMultiaddrs()[0]!.toString())
    expect(a.libp2p.getConnections(stock2.peerId)[0]!.encryption).toBe('/noise')
  })

  it('a TLS-only peer connects with TLS 1.3, dialling us and dialled by us', async () => {
    const a = await ours()
    const stock = await stockWith('tls')
    const inbound = await stock.dial(a.libp2p.getMultiaddrs()[0]!)
    expect(inbound.encryption).toBe('/tls/1.0.0')
    await inbound.close()
    const stock2 = await stockWith('tls')
    await a.connect(stock2.getMultiaddrs()[0]!.toString())
    expect(a.libp2p.getConnections(stock2.peerId)[0]!.encryption).toBe('/tls/1.0.0')
  })
})
