/**
 * The subdomain gateway (`<cid>.ipfs.localhost`, `<name>.ipns.localhost`, the CIDv1 base32 redirect) and DNSLink
 * (`/ipns/<domain>` and by Host) through `DNS.Resolvers`, answered by a real DNS server on 127.0.0.1 (UDP).
 */
import { createSocket, type Socket } from 'node:dgram'
import { request } from 'node:http'
import dnsPacket from 'dns-packet'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDaemon, type TestDaemon } from './helpers.js'

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A GET with any Host header (fetch does not let a caller set Host). */
function get(d: TestDaemon, host: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const url = new URL(d.daemon.gatewayUrl)
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers: { Host: host, ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** A DNS server answering TXT queries from `records` (NXDOMAIN for any other name); counts the queries it got. */
async function dnsServer(records: Map<string, string>): Promise<{ socket: Socket; port: number; queries: string[] }> {
  const socket = createSocket('udp4')
  const queries: string[] = []
  socket.on('message', (msg, rinfo) => {
    const query = dnsPacket.decode(msg)
    const question = query.questions?.[0]
    if (question == null) return
    queries.push(`${question.type} ${question.name}`)
    const txt = question.type === 'TXT' ? records.get(question.name.toLowerCase()) : undefined
    const answer = dnsPacket.encode({
      id: query.id,
      type: 'response',
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (txt == null ? 3 : 0), // rcode 3: NXDOMAIN
      questions: [question],
      answers: txt == null ? [] : [{ type: 'TXT', name: question.name, ttl: 60, class: 'IN', data: [txt] }],
    })
    socket.send(answer, rinfo.port, rinfo.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return { socket, port: socket.address().port, queries }
}

describe('gateway hosts: subdomains and DNSLink', () => {
  let d: TestDaemon
  let dns: Awaited<ReturnType<typeof dnsServer>>
  let site: string
  let key: string
  const records = new Map<string, string>()

  beforeAll(async () => {
    dns = await dnsServer(records)
    d = await startDaemon({
      configure: (c) => {
        c.DNS = { Resolvers: { 'test.': `udp://127.0.0.1:${dns.port}`, 'broken.': '127.0.0.1:1' } }
        c.Gateway = { PublicGateways: { 'gw.example': { UseSubdomains: true } } }
      },
    })
    const enc = (s: string) => new TextEncoder().encode(s)
    const tree = await Array.fromAsync(
      d.node.addAll([
        { path: 'w/index.html', content: enc('<h1>home</h1>\n') },
        { path: 'w/sub/x.txt', content: enc('x\n') },
      ]),
    )
    site = tree.at(-1)!.cid.toString() // a CIDv0
    key = (await d.node.name.publish(`/ipfs/${site}`, { allowOffline: true })).name
    records.set('_dnslink.site.test', `dnslink=/ipfs/${site}`)
    records.set('_dnslink.my-site.test', `dnslink=/ipfs/${site}/sub`)
    records.set('_dnslink.named.test', `dnslink=/ipns/${key}`)
  })
  afterAll(async () => {
    await d?.stop()
    dns?.socket.close()
  })

  it('redirects path requests on localhost to the subdomain with the CID as CIDv1 base32 (and IPNS keys)', async () => {
    const port = new URL(d.daemon.gatewayUrl).port
    const v1 = CID.parse(site).toV1().toString()
    const res = await get(d, `localhost:${port}`, `/ipfs/${site}/sub/x.txt?a=1`)
    expect(res.status).toBe(301)
    expect(res.headers.location).toBe(`http://${v1}.ipfs.localhost:${port}/sub/x.txt?a=1`)
    const ipns = await get(d, `localhost:${port}`, `/ipns/${key}/`)
    expect(ipns.headers.location).toBe(`http://${key}.ipns.localhost:${port}/`)
    const dnslink = await get(d, `localhost:${port}`, '/ipns/my-site.test/x.txt')
    expect(dnslink.headers.location).toBe(`http://my--site-test.ipns.localhost:${port}/x.txt`)
    // trustless requests and requests by IP are served where they are
    expect((await get(d, `localhost:${port}`, `/ipfs/${site}?format=raw`)).status).toBe(200)
    expect((await get(d, `127.0.0.1:${port}`, `/ipfs/${site}/sub/x.txt`)).body).toBe('x\n')
  })

  it('serves <cid>.ipfs.<gateway> and <name>.ipns.<gateway> from that root', async () => {
    const v1 = CID.parse(site).toV1().toString()
    expect((await get(d, `${v1}.ipfs.localhost`, '/sub/x.txt')).body).toBe('x\n')
    const home = await get(d, `${v1}.ipfs.localhost:8080`, '/')
    expect(home.body).toBe('<h1>home</h1>\n')
    expect((await get(d, `${v1}.ipfs.gw.example`, '/sub/x.txt')).body).toBe('x\n')
    expect((await get(d, `${key}.ipns.localhost`, '/sub/x.txt')).body).toBe('x\n')
    // another base of the same CIDv1 is redirected to base32
    const b36 = CID.parse(v1).toString((await import('multiformats/bases/base36')).base36)
    const redirect = await get(d, `${b36}.ipfs.localhost`, '/sub/')
    expect(redirect.status).toBe(301)
    expect(redirect.headers.location).toBe(`http://${v1}.ipfs.localhost/sub/`)
  })

  it('resolves DNSLink through the configured DNS server: /ipns/<domain>, by Host, and inlined in a subdomain', async () => {
    const before = dns.queries.length
    const byPath = await get(d, '127.0.0.1', '/ipns/site.test/sub/x.txt')
    expect(byPath.status).toBe(200)
    expect(byPath.body).toBe('x\n')
    expect(byPath.headers['x-ipns-path']).toBe('/ipns/site.test/sub/x.txt')
    expect(dns.queries.slice(before)).toContain('TXT _dnslink.site.test')
    expect((await get(d, 'site.test', '/sub/x.txt')).body).toBe('x\n')
    expect((await get(d, 'my-site.test:8080', '/x.txt')).body).toBe('x\n')
    expect((await get(d, 'my--site-test.ipns.localhost', '/x.txt')).body).toBe('x\n')
    expect((await get(d, '127.0.0.1', '/ipns/named.test/sub/x.txt')).body).toBe('x\n')
  })

  it('bad hosts and missing DNSLink records are 4xx with a code; a failing resolver is 502', async () => {
    const cases: Array<[string, string, number, string]> = [
      ['notacid.ipfs.localhost', '/', 400, 'ERR_INVALID_SUBDOMAIN'],
      ['a.b.ipfs.localhost', '/', 400, 'ERR_INVALID_SUBDOMAIN'],
      ['127.0.0.1', '/ipns/missing.test/', 404, 'ERR_DNSLINK_NOT_FOUND'],
      ['missing.test', '/', 404, 'ERR_DNSLINK_NOT_FOUND'],
      ['127.0.0.1', '/ipns/site.broken/', 502, 'ERR_DNS_FAILED'],
    ]
    for (const [host, path, status, code] of cases) {
      const res = await get(d, host, path)
      expect([host, path, res.status, res.headers['x-ipfrs-error-code']]).toEqual([host, path, status, code])
    }
    expect((await get(d, '127.0.0.1', '/ipns/site.test/sub/x.txt')).body).toBe('x\n')
    // a host name without a dot is no DNSLink domain: path requests as usual
    expect((await get(d, 'myserver:8080', `/ipfs/${site}/sub/x.txt`)).body).toBe('x\n')
    expect((await get(d, 'myserver', '/')).headers['x-ipfrs-error-code']).toBe('ERR_NOT_FOUND')
  })

  it('a bad Gateway or DNS config stops the daemon from starting, naming the field', async () => {
    const bad: Array<[(c: Record<string, unknown>) => void, string]> = [
      [(c) => (c.DNS = { Resolvers: { '.': 'ftp://resolver' } }), 'DNS.Resolvers..'],
      [(c) => (c.Gateway = { PublicGateways: { 'gw.example': { UseSubdomains: 'yes' } } }), 'UseSubdomains'],
      [(c) => (c.Gateway = { NoDNSLink: 1 }), 'Gateway.NoDNSLink'],
    ]
    for (const [configure, field] of bad) {
      const err = await startDaemon({ configure }).then(
        async (started) => {
          await started.stop()
          return undefined
        },
        (e: unknown) => e as { code?: string; message?: string },
      )
      expect(err?.code).toBe('ERR_INVALID_CONFIG')
      expect(err?.message).toContain(field)
    }
  })
})
