// The Delegated Routing V1 HTTP API on the gateway port, driven by the stock client from npm
// (@helia/delegated-routing-v1-http-api-client) against two real daemons that meet in the DHT on 127.0.0.1.
import { delegatedRoutingV1HttpApiClient } from '@helia/delegated-routing-v1-http-api-client'
import { waitFor } from '@ipfrs/test-utils'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { createIPNSRecord, marshalIPNSRecord, unmarshalIPNSRecord } from 'ipns'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDaemon, type TestDaemon } from './helpers.js'

const quiet = Object.assign(() => undefined, { error: () => undefined, trace: () => undefined, enabled: false })
const logger = { forComponent: () => quiet }
const clientOf = (d: TestDaemon) =>
  delegatedRoutingV1HttpApiClient({ url: d.daemon.gatewayUrl, cacheTTL: 0, timeout: 60_000 })({ logger } as never)

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

describe('Delegated Routing V1 server', () => {
  let a: TestDaemon
  let b: TestDaemon
  beforeAll(async () => {
    a = await startDaemon()
    b = await startDaemon()
    await b.node.network.connect(a.node.network.addresses()[0] as string)
    const table = (d: TestDaemon) => d.node.network.libp2p.services.dht as { routingTable: { size: number } }
    await waitFor(() => table(a).routingTable.size > 0 && table(b).routingTable.size > 0, { what: 'DHT tables' })
  }, 120_000)
  afterAll(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()])
  })

  it('providers: the stock client finds, through B, the provider record A put in the DHT (JSON and ndjson)', async () => {
    const added = await a.node.addBytes(new TextEncoder().encode(`provided by A ${Date.now()}`))
    await a.node.provide(added.cid)
    const client = clientOf(b)
    await client.start()
    try {
      const found = await collect(client.getProviders(CID.parse(String(added.cid))))
      const ids = found.map((p) => peerIdFromString(p.ID.toString()).toString())
      expect(ids).toContain(a.node.peerId)
      const fromA = found.find((p) => peerIdFromString(p.ID.toString()).toString() === a.node.peerId)
      expect(fromA?.Addrs.map(String)).toContain(a.node.network.addresses()[0]?.replace(/\/p2p\/.*$/, ''))
    } finally {
      await client.stop()
    }
    // the same answer as plain JSON, in the spec's shape
    const json = await fetch(`${b.daemon.gatewayUrl}/routing/v1/providers/${added.cid}`, {
      headers: { Accept: 'application/json' },
    })
    expect(json.status).toBe(200)
    expect(json.headers.get('content-type')).toBe('application/json')
    const body = (await json.json()) as { Providers: Array<{ Schema: string; ID: string; Addrs: string[] }> }
    expect(body.Providers).toContainEqual(expect.objectContaining({ Schema: 'peer', ID: a.node.peerId }))
    // and as ndjson, one record a line
    const nd = await fetch(`${b.daemon.gatewayUrl}/routing/v1/providers/${added.cid}`, {
      headers: { Accept: 'application/x-ndjson' },
    })
    expect(nd.headers.get('content-type')).toBe('application/x-ndjson')
    const lines = (await nd.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ID: string })
    expect(lines.map((l) => l.ID)).toContain(a.node.peerId)
  })

  it('providers of content nobody has: 404, which the client reads as none', async () => {
    const nobody = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
    const res = await fetch(`${b.daemon.gatewayUrl}/routing/v1/providers/${nobody}`)
    expect(res.status).toBe(404)
    expect(res.headers.get('x-ipfrs-error-code')).toBe('ERR_ROUTING_NOT_FOUND')
    const client = clientOf(b)
    await client.start()
    try {
      expect(await collect(client.getProviders(CID.parse(nobody)))).toEqual([])
    } finally {
      await client.stop()
    }
  })

  it('peers: the client finds A’s addresses through B, by CID or by base58 peer ID', async () => {
    const client = clientOf(b)
    await client.start()
    try {
      const found = await collect(client.getPeers(peerIdFromString(a.node.peerId).toCID()))
      expect(found).toHaveLength(1)
      expect(peerIdFromString(found[0]!.ID.toString()).toString()).toBe(a.node.peerId)
      expect(found[0]!.Addrs.length).toBeGreaterThan(0)
    } finally {
      await client.stop()
    }
    const res = await fetch(`${b.daemon.gatewayUrl}/routing/v1/peers/${a.node.peerId}`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { Peers: Array<{ Schema: string; ID: string; Addrs: string[] }> }
    expect(body.Peers[0]).toMatchObject({ Schema: 'peer', ID: a.node.peerId })
  })

  it('ipns: a record put through B is checked, stored and served back by both daemons', async () => {
    const key = await generateKeyPair('Ed25519')
    const name = peerIdFromPrivateKey(key).toCID()
    const value = '/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
    const record = marshalIPNSRecord(await createIPNSRecord(key, value, 1n, 3_600_000))
    const client = clientOf(b)
    await client.start()
    try {
      await client.putIPNS(name, record)
      expect(unmarshalIPNSRecord(await client.getIPNS(name)).value).toBe(value)
    } finally {
      await client.stop()
    }
    const viaA = await fetch(`${a.daemon.gatewayUrl}/routing/v1/ipns/${name.toString()}`, {
      headers: { Accept: 'application/vnd.ipfs.ipns-record' },
    })
    expect(viaA.status).toBe(200)
    expect(viaA.headers.get('content-type')).toBe('application/vnd.ipfs.ipns-record')
    expect(unmarshalIPNSRecord(new Uint8Array(await viaA.arrayBuffer())).value).toBe(value)

    // a record signed by another key is refused
    const other = await generateKeyPair('Ed25519')
    const forged = marshalIPNSRecord(await createIPNSRecord(other, value, 2n, 3_600_000))
    const put = await fetch(`${b.daemon.gatewayUrl}/routing/v1/ipns/${name.toString()}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.ipfs.ipns-record' },
      body: forged,
    })
    expect(put.status).toBe(400)
    expect(put.headers.get('x-ipfrs-error-code')).toBe('ERR_INVALID_IPNS_RECORD')
    // a name nobody published: 404
    const unknown = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toCID()
    expect((await fetch(`${b.daemon.gatewayUrl}/routing/v1/ipns/${unknown.toString()}`)).status).toBe(404)
  })

  it('bad input is 400 with our error code; other paths and methods are refused', async () => {
    const url = b.daemon.gatewayUrl
    const expectCode = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status)
      expect(res.headers.get('x-ipfrs-error-code')).toBe(code)
    }
    await expectCode(await fetch(`${url}/routing/v1/providers/not-a-cid`), 400, 'ERR_INVALID_CID')
    await expectCode(await fetch(`${url}/routing/v1/peers/12D3KooWnotapeer`), 400, 'ERR_INVALID_ARGUMENT')
    await expectCode(
      await fetch(`${url}/routing/v1/peers/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy`),
      400,
      'ERR_INVALID_ARGUMENT',
    )
    await expectCode(await fetch(`${url}/routing/v1/ipns/not-a-name`), 400, 'ERR_INVALID_IPNS_NAME')
    await expectCode(await fetch(`${url}/routing/v1/dht/closest/peers/x`), 404, 'ERR_ROUTING_NOT_FOUND')
    await expectCode(
      await fetch(`${url}/routing/v1/providers/${a.node.peerId}`, { method: 'POST' }),
      405,
      'ERR_METHOD_NOT_ALLOWED',
    )
    // the daemon still answers
    expect((await fetch(`${url}/routing/v1/peers/${a.node.peerId}`)).status).toBe(200)
  })
})
