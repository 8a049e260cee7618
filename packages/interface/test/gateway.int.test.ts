import { cidOf } from '@ipfrs/core'
import { CarReader } from '@ipld/car'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDaemon, type TestDaemon } from './helpers.js'

describe('gateway', () => {
  let d: TestDaemon
  let file: string
  let dir: string
  let site: string
  const content = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251))

  beforeAll(async () => {
    d = await startDaemon()
    file = (await d.node.addBytes(content)).cid.toString()
    const enc = (s: string) => new TextEncoder().encode(s)
    const tree = await Array.fromAsync(
      d.node.addAll([
        { path: 'd/<b>&.txt', content: enc('escaped\n') },
        { path: 'd/sub/x.txt', content: enc('x\n') },
      ]),
    )
    dir = tree.at(-1)!.cid.toString()
    const web = await Array.fromAsync(
      d.node.addAll([
        { path: 'w/index.html', content: enc('<h1>hi</h1>\n') },
        { path: 'w/a.txt', content: enc('a\n') },
      ]),
    )
    site = web.at(-1)!.cid.toString()
  })
  afterAll(async () => {
    await d?.stop()
  })

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    fetch(`${d.daemon.gatewayUrl}${path}`, { headers, method, redirect: 'manual' })

  it('serves a file with ETag and immutable caching, and 304 for a matching If-None-Match', async () => {
    const res = await get(`/ipfs/${file}`)
    expect(res.status).toBe(200)
    expect(Buffer.from(await res.arrayBuffer()).equals(content)).toBe(true)
    expect(res.headers.get('etag')).toBe(`"${file}"`)
    expect(res.headers.get('cache-control')).toContain('immutable')
    expect(res.headers.get('accept-ranges')).toBe('bytes')
    const again = await get(`/ipfs/${file}`, { 'If-None-Match': `"${file}"` })
    expect(again.status).toBe(304)
    const head = await get(`/ipfs/${file}`, {}, 'HEAD')
    expect(head.headers.get('content-length')).toBe(String(content.length))
  })

  it('answers byte ranges with 206 and the exact bytes, and 416 when unsatisfiable', async () => {
    const res = await get(`/ipfs/${file}`, { Range: 'bytes=262140-262150' })
    expect(res.status).toBe(206)
    expect(res.headers.get('content-range')).toBe(`bytes 262140-262150/${content.length}`)
    expect(Buffer.from(await res.arrayBuffer()).equals(content.subarray(262140, 262151))).toBe(true)
    const suffix = await get(`/ipfs/${file}`, { Range: 'bytes=-10' })
    expect(suffix.status).toBe(206)
    expect(Buffer.from(await suffix.arrayBuffer()).equals(content.subarray(-10))).toBe(true)
    const open = await get(`/ipfs/${file}`, { Range: `bytes=${content.length - 5}-` })
    expect((await open.arrayBuffer()).byteLength).toBe(5)
    const bad = await get(`/ipfs/${file}`, { Range: `bytes=${content.length}-` })
    expect(bad.status).toBe(416)
    expect(bad.headers.get('content-range')).toBe(`bytes */${content.length}`)
  })

  it('serves small files from memory once read and streams big ones, both whole and in ranges', async () => {
    // 300 kB: read once through the node, then from the gateway's body cache
    for (let i = 0; i < 3; i++) {
      const res = await get(`/ipfs/${file}`, i === 2 ? { Range: 'bytes=100-299999' } : {})
      expect(Buffer.from(await res.arrayBuffer()).equals(i === 2 ? content.subarray(100) : content)).toBe(true)
    }
    // 3 MiB: over the cache's per-file bound, streamed from the repo block by block
    const big = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 7 }, (_, i) => (i * 7) % 253))
    const bigCid = (await d.node.addBytes(big)).cid.toString()
    const whole = await get(`/ipfs/${bigCid}`)
    expect(Buffer.from(await whole.arrayBuffer()).equals(big)).toBe(true)
    const part = await get(`/ipfs/${bigCid}`, { Range: 'bytes=262000-1300000' })
    expect(part.status).toBe(206)
    expect(Buffer.from(await part.arrayBuffer()).equals(big.subarray(262000, 1300001))).toBe(true)
  })

  it('lists directories (escaped), redirects to a trailing slash, serves index.html and paths', async () => {
    const redirect = await get(`/ipfs/${dir}`)
    expect(redirect.status).toBe(301)
    expect(redirect.headers.get('location')).toBe(`/ipfs/${dir}/`)
    const listing = await get(`/ipfs/${dir}/`)
    expect(listing.status).toBe(200)
    const html = await listing.text()
    expect(html).toContain('&#60;b&#62;&#38;.txt')
    expect(html).not.toContain('<b>&.txt')
    expect(html).toContain('sub/')
    expect(await (await get(`/ipfs/${dir}/sub/x.txt`)).text()).toBe('x\n')
    const index = await get(`/ipfs/${site}/`)
    expect(index.headers.get('content-type')).toContain('text/html')
    expect(await index.text()).toBe('<h1>hi</h1>\n')
  })

  it('serves trustless raw blocks and CARs, by ?format= and by Accept', async () => {
    for (const req of [get(`/ipfs/${file}?format=raw`), get(`/ipfs/${file}`, { Accept: 'application/vnd.ipld.raw' })]) {
      const res = await req
      expect(res.headers.get('content-type')).toBe('application/vnd.ipld.raw')
      const bytes = new Uint8Array(await res.arrayBuffer())
      const { CID } = await import('multiformats/cid')
      const cid = CID.parse(file)
      expect(cidOf(bytes, cid.code).multihash.bytes).toEqual(cid.multihash.bytes)
    }
    for (const req of [get(`/ipfs/${file}?format=car`), get(`/ipfs/${file}`, { Accept: 'application/vnd.ipld.car' })]) {
      const res = await req
      expect(res.headers.get('content-type')).toContain('application/vnd.ipld.car')
      const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()))
      expect((await reader.getRoots())[0]?.toString()).toBe(file)
      let n = 0
      for await (const block of reader.blocks()) {
        expect(cidOf(block.bytes, block.cid.code).multihash.bytes).toEqual(block.cid.multihash.bytes)
        n++
      }
      expect(n).toBe(3) // two 256 KiB-chunked leaves and their root
    }
  })

  it('400 for a bad CID or format, 404 for a missing path, 405 for POST; the gateway keeps serving', async () => {
    expect((await get('/ipfs/not-a-cid')).status).toBe(400)
    expect((await get(`/ipfs/${file}?format=bogus`)).status).toBe(400)
    expect((await get(`/ipfs/${dir}/nope.txt`)).status).toBe(404)
    expect((await get(`/ipfs/${file}/anything`)).status).toBe(404) // a file has no children
    expect((await get(`/ipfs/${dir}/../x`)).status).toBeGreaterThanOrEqual(400)
    expect((await get('/elsewhere')).status).toBe(404)
    expect((await get(`/ipfs/${file}`, {}, 'POST')).status).toBe(405)
    expect((await get(`/ipfs/${file}`)).status).toBe(200)
  })

  it('keeps serving after clients hang up mid-download (gateway and RPC)', async () => {
    for (const url of [`${d.daemon.gatewayUrl}/ipfs/${file}`, `${d.daemon.apiUrl}/api/v0/cat?arg=${file}`]) {
      const ac = new AbortController()
      const res = await fetch(url, { method: url.includes('/api/') ? 'POST' : 'GET', signal: ac.signal })
      const reader = res.body!.getReader()
      expect((await reader.read()).done).toBe(false)
      ac.abort()
      await reader.cancel().catch(() => {})
    }
    const res = await get(`/ipfs/${file}`)
    expect(Buffer.from(await res.arrayBuffer()).equals(content)).toBe(true)
  })
})
