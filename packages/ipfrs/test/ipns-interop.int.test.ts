// IPNS interop with independent code from npm, no @ipfrs code on its side: a stock libp2p node running the stock
// @libp2p/kad-dht with the `ipns` package's validator and selector (what Helia's IPNS uses). It reads the record we
// publish from the DHT and checks it itself; we resolve a record it creates and puts. 127.0.0.1 only.
import { tempDir, waitFor } from '@ipfrs/test-utils'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createIPNSRecord, marshalIPNSRecord, multihashToIPNSRoutingKey, unmarshalIPNSRecord } from 'ipns'
import { ipnsSelector } from 'ipns/selector'
import { ipnsValidator } from 'ipns/validator'
import { createLibp2p } from 'libp2p'
import { base36 } from 'multiformats/bases/base36'
import { afterEach, describe, expect, it } from 'vitest'
import { onlineNode } from './helpers.js'

describe('IPNS interop with a stock kad-dht node', () => {
  const stops: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
    stops.length = 0
  })

  it('the stock node gets and validates our record; we resolve the record it puts', async () => {
    const t = await tempDir()
    stops.push(t.cleanup)
    const ours = await onlineNode(`${t.dir}/ours`)
    stops.push(() => ours.stop())
    const stock = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: {
        identify: identify(),
        ping: ping(),
        dht: kadDHT({
          protocol: '/ipfs/kad/1.0.0',
          clientMode: false,
          peerInfoMapper: passthroughMapper,
          validators: { ipns: ipnsValidator },
          selectors: { ipns: ipnsSelector },
        }),
      },
    })
    stops.push(async () => stock.stop())
    await stock.dial(ours.network.libp2p.getMultiaddrs()[0]!)
    const table = (n: unknown) => (n as { routingTable: { size: number } }).routingTable.size
    await waitFor(() => table(stock.services.dht) > 0 && table(ours.network.libp2p.services.dht) > 0, {
      what: 'both routing tables',
    })

    // ours → stock
    const { cid } = await ours.addBytes(new TextEncoder().encode('published by ipfrs'))
    const { name } = await ours.name.publish(`/ipfs/${cid}`)
    expect(name).toBe(peerIdFromString(ours.peerId).toCID().toString(base36))
    const key = multihashToIPNSRoutingKey(peerIdFromString(ours.peerId).toMultihash())
    const bytes = await stock.contentRouting.get(key)
    await ipnsValidator(key, bytes) // signature and expiry, by the stock library
    const record = unmarshalIPNSRecord(bytes)
    expect(record.value).toBe(`/ipfs/${cid}`)
    expect('signatureV2' in record && record.signatureV2.byteLength).toBeGreaterThan(0)

    // stock → ours
    const theirs = await generateKeyPair('Ed25519')
    const theirKey = multihashToIPNSRoutingKey(peerIdFromPrivateKey(theirs).toMultihash())
    const value = '/ipfs/bafkqaddjnzzxazldoqwxizltoq' // an identity CID: no block needed
    await stock.contentRouting.put(theirKey, marshalIPNSRecord(await createIPNSRecord(theirs, value, 5n, 3_600_000)))
    const theirName = peerIdFromPrivateKey(theirs).toCID().toString(base36)
    expect(await ours.name.resolve(theirName)).toBe(value)
  })
})
