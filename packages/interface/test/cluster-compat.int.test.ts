/**
 * IPFS Cluster drives each node through the Kubo RPC API with its `ipfsconn/ipfshttp` connector (Go; it cannot run
 * here). Each test sends the exact request the connector sends (same path, query string and body shape) with plain
 * fetch to a real daemon, and checks the JSON fields the connector decodes. Two daemons on 127.0.0.1: `b` holds
 * content, `a` is the node Cluster drives.
 */
import { randomBytes } from 'node:crypto'
import { CID, cidOf, formatCid } from '@ipfrs/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rpc, startDaemon, type TestDaemon } from './helpers.js'

const enc = new TextEncoder()

// biome-ignore lint/suspicious/noExplicitAny: the JSON answers are read field by field, as Cluster's Go structs do
type Json = any
const json = async (res: Response | Promise<Response>): Promise<Json> => (await res).json()

/** Cluster's postCtx: POST, no body. */
const post = (d: TestDaemon, pathAndQuery: string, init: RequestInit = {}) =>
  fetch(`${d.daemon.apiUrl}/api/v0/${pathAndQuery}`, { method: 'POST', ...init })

/** Decodes a stream of JSON values one after another, as Go's json.Decoder does. */
async function decodeStream(res: Response): Promise<Array<Record<string, unknown>>> {
  expect(res.status).toBe(200)
  const body = (await res.text()).trim()
  return body === '' ? [] : body.split('\n').map((l) => JSON.parse(l))
}

/** The body go-ipfs-files' MultiFileReader writes for a directory of blocks (one form-data file per block). */
function multiFileBody(files: Array<{ name: string; bytes: Uint8Array }>): { body: Buffer; contentType: string } {
  const boundary = 'clusterboundary0123456789'
  const parts: Buffer[] = []
  for (const f of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${encodeURIComponent(f.name)}"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      Buffer.from(f.bytes),
      Buffer.from('\r\n'),
    )
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` }
}

describe('IPFS Cluster’s ipfshttp connector against our daemon', () => {
  let a: TestDaemon
  let b: TestDaemon
  let bAddr: string

  beforeAll(async () => {
    a = await startDaemon()
    b = await startDaemon()
    bAddr = b.node.network.addresses()[0] as string
  })
  afterAll(async () => {
    await a?.stop()
    await b?.stop()
  })

  it('id → {ID, Addresses}; swarm/connect?arg=<escaped addr>; swarm/peers → {Peers: [{Peer}]}', async () => {
    const id = await json(post(a, 'id'))
    expect(id.ID).toBe(a.node.peerId)
    expect(id.Addresses.length).toBeGreaterThan(0)
    expect(id.Addresses.every((x: string) => x.startsWith('/ip4/'))).toBe(true)
    expect((await post(a, `swarm/connect?arg=${encodeURIComponent(bAddr)}`)).status).toBe(200)
    const peers = await json(post(a, 'swarm/peers'))
    expect(peers.Peers.map((p: { Peer: string }) => p.Peer)).toContain(b.node.peerId)
  })

  it('pin/ls?stream=true&arg=<cid>&type=recursive of an unpinned CID: an error whose Message ends "not pinned"', async () => {
    const cid = formatCid(cidOf(enc.encode('never pinned'), 0x55))
    const res = await post(a, `pin/ls?stream=true&arg=${cid}&type=recursive`)
    expect(res.status).not.toBe(200)
    expect((await json(res)).Message).toMatch(/not pinned$/)
  })

  it('pin/add?arg=<cid>&recursive=true&progress=true fetches from a peer: {Progress} lines, then {Pins}', async () => {
    const content = randomBytes(700_000) // three distinct 256 KiB chunks
    const { cid } = await b.node.addBytes(content) // 3 leaves + a root, only on b
    expect(await a.node.block.has(cid)).toBe(false)
    const lines = await decodeStream(await post(a, `pin/add?arg=${cid}&recursive=true&progress=true`))
    expect(lines.at(-1)).toEqual({ Pins: [formatCid(cid)] })
    const progress = lines.slice(0, -1)
    expect(progress.length).toBeGreaterThan(0)
    expect(progress.every((l) => typeof l.Progress === 'number' && l.Pins === undefined)).toBe(true)
    expect(progress.at(-1)?.Progress).toBe(4)
    // PinLsCid, then the PinLs sweep: {Cid, Type} per line
    const one = await decodeStream(await post(a, `pin/ls?stream=true&arg=${cid}&type=recursive`))
    expect(one).toEqual([{ Cid: formatCid(cid), Type: 'recursive' }])
    const all = await decodeStream(await post(a, 'pin/ls?stream=true&type=recursive'))
    expect(all).toContainEqual({ Cid: formatCid(cid), Type: 'recursive' })
    // without stream: Kubo's {Keys: {cid: {Type}}}
    expect((await json(post(a, 'pin/ls?type=recursive'))).Keys[formatCid(cid)]).toEqual({ Type: 'recursive' })
    // a direct pin (MaxDepth 0): recursive=false
    const { cid: single } = await b.node.addBytes(enc.encode('one block'))
    const direct = await decodeStream(await post(a, `pin/add?arg=${single}&recursive=false&progress=true`))
    expect(direct.at(-1)).toEqual({ Pins: [formatCid(single)] })
    expect(await decodeStream(await post(a, `pin/ls?stream=true&arg=${single}&type=direct`))).toEqual([
      { Cid: formatCid(single), Type: 'direct' },
    ])
  }, 60_000)

  it('refs?arg=<cid>&max-depth=-1&recursive=true&unique=false (FetchRefs) downloads the DAG from a peer', async () => {
    const { cid } = await b.node.addBytes(randomBytes(600_000))
    const lines = await decodeStream(await post(a, `refs?arg=${cid}&max-depth=-1&recursive=true&unique=false`))
    expect(lines).toHaveLength(3)
    expect(lines.every((l) => typeof l.Ref === 'string' && l.Err === '')).toBe(true)
    for (const l of lines) expect(await a.node.block.has(CID.parse(l.Ref as string))).toBe(true) // fetched and kept
  }, 60_000)

  it('pin/update?arg=<from>&arg=<to>&unpin=false keeps both; pin/rm twice: the second says Kubo’s exact words', async () => {
    const from = (await a.node.addBytes(enc.encode('version 1'))).cid
    const to = (await b.node.addBytes(enc.encode('version 2'))).cid // fetched by the update
    const res = await post(a, `pin/update?arg=${from}&arg=${to}&unpin=false`)
    expect(await res.json()).toEqual({ Pins: [formatCid(from), formatCid(to)] })
    const pinned = (await decodeStream(await post(a, 'pin/ls?stream=true&type=recursive'))).map((p) => p.Cid)
    expect(pinned).toEqual(expect.arrayContaining([formatCid(from), formatCid(to)]))
    expect(await json(post(a, `pin/rm?arg=${to}`))).toEqual({ Pins: [formatCid(to)] })
    const again = await post(a, `pin/rm?arg=${to}`)
    expect(again.status).toBe(400)
    expect((await json(again)).Message).toBe('not pinned or pinned indirectly') // Cluster ignores exactly this
    // updating from something not recursively pinned is refused
    const bad = await post(a, `pin/update?arg=${to}&arg=${from}&unpin=false`)
    expect(bad.status).toBe(400)
    expect(bad.headers.get('x-ipfrs-error-code')).toBe('ERR_NOT_PINNED')
  }, 60_000)

  it('config/show has Datastore.StorageMax; repo/stat?size-only=true → {RepoSize, StorageMax} numbers', async () => {
    const config = await json(post(a, 'config/show'))
    expect(config.Datastore.StorageMax).toBe('10GB')
    const stat = await json(post(a, 'repo/stat?size-only=true'))
    expect(Object.keys(stat).sort()).toEqual(['RepoSize', 'StorageMax'])
    expect(stat.RepoSize).toBeGreaterThan(0)
    expect(stat.StorageMax).toBe(10_000_000_000)
  })

  it('block/put?cid-codec=…&mhtype=sha2-256&mhlen=32&pin=false&allow-big-block=true, many blocks: {Key, Size} each', async () => {
    const blocks = ['first', 'second', 'third'].map((t) => {
      const bytes = enc.encode(t)
      return { name: formatCid(cidOf(bytes, 0x55)), bytes }
    })
    const { body, contentType } = multiFileBody(blocks)
    const q = 'allow-big-block=true&cid-codec=raw&mhlen=32&mhtype=sha2-256&pin=false' // url.Values.Encode() sorts keys
    const lines = await decodeStream(
      await post(a, `block/put?${q}`, { body, headers: { 'Content-Type': contentType } }),
    )
    expect(lines).toEqual(blocks.map((bl) => ({ Key: bl.name, Size: bl.bytes.byteLength })))
    const got = await post(a, `block/get?arg=${blocks[1]?.name}`)
    expect(Buffer.from(await got.arrayBuffer()).toString()).toBe('second')
    expect(await json(post(a, `block/stat?arg=${blocks[0]?.name}`))).toEqual({ Key: blocks[0]?.name, Size: 5 })
  })

  it('repo/gc?stream-errors=true → {Key: {"/": cid}} lines; resolve?arg=<escaped path> → {Path: /ipfs/<cid>}', async () => {
    const loose = (await a.node.addBytes(enc.encode('collect me'), { pin: false } as never)).cid
    const keys = (await decodeStream(await post(a, 'repo/gc?stream-errors=true'))).map(
      (l) => (l.Key as { '/': string })['/'],
    )
    expect(keys).toContain(formatCid(CID.createV1(0x55, loose.multihash))) // by multihash, as Kubo's blockstore lists
    const dir = (
      await Array.fromAsync(a.node.addAll([{ path: 'site/index.html', content: enc.encode('<h1>hi</h1>') }]))
    ).at(-1)?.cid
    const file = (await a.node.stat(`${dir}/index.html`)).cid
    const res = await post(a, `resolve?arg=${encodeURIComponent(`/ipfs/${dir}/index.html`)}`)
    expect(await res.json()).toEqual({ Path: `/ipfs/${file}` })
  })

  it('the calls around them: add, cat, dag/import, name/publish, name/resolve', async () => {
    const form = new FormData()
    form.append('file', new Blob(['cluster add\n']), 'f.txt')
    const added = (await decodeStream(await post(a, 'add?cid-version=1&raw-leaves=true&pin=false', { body: form })))[0]
    expect(added?.Hash).toMatch(/^bafkrei/)
    expect(await (await post(a, `cat?arg=${added?.Hash}`)).text()).toBe('cluster add\n')
    const car = await (await post(a, `dag/export?arg=${added?.Hash}`)).arrayBuffer()
    const carForm = new FormData()
    carForm.append('file', new Blob([car]))
    const imported = await decodeStream(await post(a, 'dag/import?pin-roots=true', { body: carForm }))
    expect(imported[0]).toEqual({ Root: { Cid: { '/': added?.Hash }, PinErrorMsg: '' } })
    const pub = await json(post(a, `name/publish?arg=/ipfs/${added?.Hash}&key=self&allow-offline=true`))
    expect(pub.Value).toBe(`/ipfs/${added?.Hash}`)
    const resolved = await json(post(a, `name/resolve?arg=${pub.Name}`))
    expect(resolved).toEqual({ Path: `/ipfs/${added?.Hash}` })
    const viaResolve = await json(rpc(a, 'resolve', { query: `arg=/ipns/${pub.Name}` }))
    expect(viaResolve).toEqual({ Path: `/ipfs/${added?.Hash}` })
  }, 60_000)
})
