/**
 * The web UI's files on the API port, and `stats/bw` (what its bandwidth chart draws) counting real traffic between
 * two nodes over TCP. The page itself is driven in Chromium by packages/cli/test/webui.int.test.ts.
 */
import { randomBytes } from 'node:crypto'
import { WEBUI_FILES } from '@ipfrs/webui'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERROR_CODE_HEADER } from '../src/index.js'
import { rpc, startDaemon, type TestDaemon } from './helpers.js'

interface Bw {
  TotalIn: number
  TotalOut: number
  RateIn: number
  RateOut: number
  History?: Array<{ Time: number; RateIn: number; RateOut: number }>
}

describe('web UI files and stats/bw', () => {
  let a: TestDaemon
  let b: TestDaemon
  beforeAll(async () => {
    // one after the other: libp2p's Prometheus metrics are module-global, so in one process only the first node's
    // registry gets them (a daemon process runs one node)
    a = await startDaemon({
      configure: (c) => {
        c.API = {
          ...(c.API as object),
          Authorizations: { ui: { AuthSecret: 'bearer:webui-test-token', AllowedPaths: ['/api/v0'] } },
        } as never
      },
    })
    b = await startDaemon()
  })
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
  })

  it('serves the page and its files on GET without a token, locked down by a CSP; nothing else under /webui', async () => {
    const base = a.daemon.apiUrl
    const redirect = await fetch(`${base}/webui?q=graph%20search`, { redirect: 'manual' })
    expect(redirect.status).toBe(308)
    expect(redirect.headers.get('location')).toBe('/webui/?q=graph%20search')
    const index = await fetch(`${base}/webui/`)
    expect(index.status).toBe(200)
    expect(index.headers.get('content-type')).toBe(WEBUI_FILES['index.html'])
    expect(index.headers.get('content-security-policy')).toMatch(/default-src 'none'.*connect-src 'self'/)
    expect(await index.text()).toContain('<script type="module" src="app.js">')
    for (const name of Object.keys(WEBUI_FILES)) {
      const res = await fetch(`${base}/webui/${name}`)
      expect(res.status, name).toBe(200)
      expect(res.headers.get('content-type')).toBe(WEBUI_FILES[name])
      expect(Number(res.headers.get('content-length'))).toBeGreaterThan(100)
    }
    expect(((await (await fetch(`${base}/webui/env.json`)).json()) as { Gateway: string }).Gateway).toBe(
      a.daemon.gatewayUrl,
    )
    for (const path of ['/webui/nope.js', '/webui/static/app.js', '/webui/%2E%2E%2Fpackage.json', '/webui/app.js/']) {
      const res = await fetch(`${base}${path}`)
      expect(res.status, path).toBe(404)
      expect(res.headers.get(ERROR_CODE_HEADER), path).toBe('ERR_WEBUI_NOT_FOUND')
    }
    // dot segments are resolved before routing: they leave /webui and are unknown commands there
    expect((await fetch(`${base}/webui/%2e%2e/package.json`)).headers.get(ERROR_CODE_HEADER)).toBe(
      'ERR_UNKNOWN_COMMAND',
    )
    const post = await fetch(`${base}/webui/`, { method: 'POST' })
    expect(post.status).toBe(405)
    // the page loads without a token, the API it calls still needs one
    expect((await rpc(a, 'id')).status).toBe(401)
    expect((await rpc(a, 'id', { headers: { Authorization: 'Bearer webui-test-token' } })).status).toBe(200)
    // another origin's page cannot read it through the browser either
    expect((await fetch(`${base}/webui/`, { headers: { Origin: 'http://evil.example' } })).status).toBe(403)
  })

  it('stats/bw counts the bytes a Bitswap fetch moved, with a per-second history', async () => {
    const payload = randomBytes(2 * 1024 * 1024)
    const form = new FormData()
    form.append('file', new Blob([payload]), 'payload.bin')
    const added = (await (await rpc(b, 'add', { query: 'pin=true', body: form })).json()) as { Hash: string }
    const before = (await (
      await rpc(a, 'stats/bw', { headers: { Authorization: 'Bearer webui-test-token' } })
    ).json()) as Bw
    await a.node.network.connect(b.node.network.addresses()[0]!)
    const got = Buffer.from(
      await (
        await rpc(a, 'cat', { query: `arg=${added.Hash}`, headers: { Authorization: 'Bearer webui-test-token' } })
      ).arrayBuffer(),
    )
    expect(Buffer.compare(got, payload)).toBe(0)
    await new Promise((r) => setTimeout(r, 1200)) // one more sample
    const after = (await (
      await rpc(a, 'stats/bw', { query: 'history=true', headers: { Authorization: 'Bearer webui-test-token' } })
    ).json()) as Bw
    expect(after.TotalIn - before.TotalIn).toBeGreaterThan(payload.byteLength)
    expect(after.TotalOut).toBeGreaterThan(before.TotalOut)
    const history = after.History ?? []
    expect(history.length).toBeGreaterThan(0)
    expect(history.every((s, i) => i === 0 || s.Time > history[i - 1]!.Time)).toBe(true)
    // the rates of the samples add up to what came in while they were taken (each covers ~1 s)
    const summed = history.reduce((n, s) => n + s.RateIn, 0)
    expect(summed).toBeGreaterThan(payload.byteLength * 0.5)
    const plain = (await (
      await rpc(a, 'stats/bw', { headers: { Authorization: 'Bearer webui-test-token' } })
    ).json()) as Bw
    expect(plain.History).toBeUndefined()
    expect(Object.keys(plain).sort()).toEqual(['RateIn', 'RateOut', 'TotalIn', 'TotalOut'])
    // swarm/peers fills Latency once libp2p's connection monitor has pinged (every 10 s)
    const latency = async () => {
      const body = (await (await rpc(b, 'swarm/peers')).json()) as { Peers: Array<{ Peer: string; Latency: string }> }
      return body.Peers.find((x) => x.Peer === a.node.peerId)?.Latency
    }
    await expect.poll(latency, { timeout: 30_000, interval: 500 }).toMatch(/^\d+(\.\d+)?ms$/)
  })
})
