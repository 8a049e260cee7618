import { stat as fsStat, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { waitFor } from '@ipfrs/test-utils'
import { decode as decodePb } from '@ipld/dag-pb'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createIPNSRecord, createIPNSRecordWithExpiration, marshalIPNSRecord } from 'ipns'
import { create, type KuboRPCClient } from 'kubo-rpc-client'
import { base36 } from 'multiformats/bases/base36'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rpc, startDaemon, type TestDaemon } from './helpers.js'

/** A 4xx with our error code, whatever the client. */
async function expectCode(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status)
  expect(res.headers.get('x-ipfrs-error-code')).toBe(code)
  const body = (await res.json()) as { Type: string; Code: number }
  expect(body.Type).toBe('error')
}

/** A multipart body with one file, as Kubo's clients send it. */
function oneFile(bytes: Uint8Array): FormData {
  const form = new FormData()
  form.append('file', new Blob([bytes]), 'data')
  return form
}

const enc = (s: string) => new TextEncoder().encode(s)
const text = async (chunks: AsyncIterable<Uint8Array>) => Buffer.concat(await Array.fromAsync(chunks)).toString()
const topicArg = (t: string) => `u${Buffer.from(t).toString('base64url')}`

describe('Kubo parity: files, key, name, pubsub, config, shutdown through the stock kubo-rpc-client', () => {
  let a: TestDaemon
  let b: TestDaemon
  let kuboA: KuboRPCClient
  let kuboB: KuboRPCClient

  beforeAll(async () => {
    a = await startDaemon()
    b = await startDaemon()
    kuboA = create({ url: a.daemon.apiUrl })
    kuboB = create({ url: b.daemon.apiUrl })
    await kuboB.swarm.connect(a.node.network.addresses()[0] as never)
    await waitFor(() => a.node.network.peers().length > 0, { what: 'the two daemons to connect' })
  })
  afterAll(async () => {
    await a?.stop()
    await b?.stop()
  })

  it('files: mkdir -p, write --create --truncate --offset --count, read, ls, stat, cp, mv, rm -r, flush', async () => {
    await kuboA.files.mkdir('/docs/notes', { parents: true })
    await kuboA.files.write('/docs/notes/a.txt', enc('hello world'), { create: true })
    expect(await text(kuboA.files.read('/docs/notes/a.txt'))).toBe('hello world')
    await kuboA.files.write('/docs/notes/a.txt', enc('WORLD!!!'), { offset: 6, length: 5 })
    expect(await text(kuboA.files.read('/docs/notes/a.txt'))).toBe('hello WORLD')
    expect(await text(kuboA.files.read('/docs/notes/a.txt', { offset: 6, length: 3 }))).toBe('WOR')
    await kuboA.files.write('/docs/notes/a.txt', enc('bye'), { truncate: true })
    expect(await text(kuboA.files.read('/docs/notes/a.txt'))).toBe('bye')
    await kuboA.files.write('/new/deep/b.txt', enc('bee'), { create: true, parents: true })

    const listed = await Array.fromAsync(kuboA.files.ls('/docs/notes'))
    expect(listed.map((e) => [e.name, e.type, e.size])).toEqual([['a.txt', 'file', 3]])
    const root = await Array.fromAsync(kuboA.files.ls('/'))
    expect(root.map((e) => `${e.name}:${e.type}`).sort()).toEqual(['docs:directory', 'new:directory'])

    const st = await kuboA.files.stat('/docs/notes/a.txt')
    expect(st.type).toBe('file')
    expect(st.size).toBe(3)

    const added = await kuboA.add(enc('from ipfs'))
    await kuboA.files.cp(`/ipfs/${added.cid}`, '/docs/copied.txt')
    expect(await text(kuboA.files.read('/docs/copied.txt'))).toBe('from ipfs')
    await kuboA.files.mv('/docs/copied.txt', '/docs/notes')
    expect(await text(kuboA.files.read('/docs/notes/copied.txt'))).toBe('from ipfs')
    await kuboA.files.rm('/new', { recursive: true })
    expect((await Array.fromAsync(kuboA.files.ls('/'))).map((e) => e.name)).toEqual(['docs'])
    const flushed = await kuboA.files.flush('/')
    expect((await kuboA.files.stat('/')).cid.toString()).toBe(flushed.toString())

    // the MFS root is a GC root: nothing it reaches is collected (the added file is not pinned by MFS itself)
    await kuboA.pin.rm(added.cid)
    await Array.fromAsync(kuboA.repo.gc())
    expect(await text(kuboA.files.read('/docs/notes/copied.txt'))).toBe('from ipfs')
    expect(await text(kuboA.files.read('/docs/notes/a.txt'))).toBe('bye')
  })

  it('files/stat of a CID answers as Kubo: Blocks = links of the node, CumulativeSize = the encoded DAG size', async () => {
    const bytes = new Uint8Array(700_000).map((_, i) => i % 251)
    const added = await kuboA.add(bytes, { rawLeaves: false, cidVersion: 0 })
    const rootBlock = await kuboA.block.get(added.cid)
    const links = decodePb(rootBlock).Links
    let encoded = rootBlock.byteLength
    for (const link of links) encoded += (await kuboA.block.get(link.Hash as never)).byteLength
    const st = await kuboA.files.stat(`/ipfs/${added.cid}`)
    expect(links.length).toBeGreaterThan(1)
    expect(st.blocks).toBe(links.length)
    expect(st.cumulativeSize).toBe(encoded)
    expect(st.size).toBe(bytes.byteLength)
    // on the other daemon, which does not have it: the root is fetched from a, the answer is the same
    const remote = await kuboB.files.stat(`/ipfs/${added.cid}`)
    expect([remote.blocks, remote.cumulativeSize, remote.size]).toEqual([st.blocks, st.cumulativeSize, st.size])
  })

  it('files: paths that escape MFS or are not absolute are 400 ERR_INVALID_MFS_PATH; missing ones 404', async () => {
    await expectCode(await rpc(a, 'files/mkdir', { query: 'arg=/docs/../../etc' }), 400, 'ERR_INVALID_MFS_PATH')
    await expectCode(await rpc(a, 'files/read', { query: 'arg=docs/notes/a.txt' }), 400, 'ERR_INVALID_MFS_PATH')
    await expectCode(await rpc(a, 'files/stat', { query: 'arg=/no/such' }), 404, 'ERR_MFS_NOT_FOUND')
    const form = oneFile(enc('x'))
    await expectCode(await rpc(a, 'files/write', { query: 'arg=/absent.txt', body: form }), 404, 'ERR_MFS_NOT_FOUND')
    await expectCode(await rpc(a, 'files/rm', { query: 'arg=/docs' }), 400, 'ERR_MFS_CONFLICT')
  })

  it('key: gen, list, rename, rm (Ed25519, files 0600), export and import; bad names are 400', async () => {
    const gen = await kuboA.key.gen('alice')
    expect(gen.name).toBe('alice')
    expect(gen.id).toMatch(/^k51/)
    const mode = (await fsStat(join(a.node.repo.path, 'keystore', 'alice'))).mode & 0o777
    expect(mode).toBe(0o600)
    const names = (await kuboA.key.list()).map((k) => k.name)
    expect(names).toEqual(['self', 'alice'])
    const renamed = await kuboA.key.rename('alice', 'bob')
    expect(renamed).toMatchObject({ was: 'alice', now: 'bob', id: gen.id, overwrite: false })

    const exported = Buffer.from(await (await rpc(a, 'key/export', { query: 'arg=bob' })).arrayBuffer())
    const imported = await rpc(b, 'key/import', { query: 'arg=bob-copy', body: oneFile(exported) })
    expect(((await imported.json()) as { Id: string }).Id).toBe(gen.id)
    expect((await kuboA.key.rm('bob')).id).toBe(gen.id)

    await expectCode(await rpc(a, 'key/gen', { query: 'arg=../evil' }), 400, 'ERR_INVALID_KEY_NAME')
    await expectCode(await rpc(a, 'key/gen', { query: 'arg=self' }), 400, 'ERR_INVALID_KEY_NAME')
    await expectCode(await rpc(a, 'key/gen', { query: 'arg=.hidden' }), 400, 'ERR_INVALID_KEY_NAME')
    await expectCode(await rpc(a, 'key/rm', { query: 'arg=self' }), 400, 'ERR_INVALID_KEY_NAME')
    await expectCode(await rpc(a, 'key/rm', { query: 'arg=nobody' }), 404, 'ERR_KEY_NOT_FOUND')
    await expectCode(await rpc(a, 'key/gen', { query: 'arg=x&type=rsa' }), 400, 'ERR_INVALID_ARGUMENT')
    await expectCode(
      await rpc(a, 'key/import', { query: 'arg=junk', body: oneFile(enc('not a key')) }),
      400,
      'ERR_INVALID_KEY',
    )
  })

  it('name: publish with a named key on one daemon, resolve on the other, and the gateway serves /ipns/', async () => {
    await waitFor(
      async () => {
        const dht = a.node.network.libp2p.services.dht as { routingTable: { size: number } }
        return dht.routingTable.size > 0
      },
      { what: 'the DHT routing table' },
    )
    const added = await kuboA.add(enc('named content'))
    const key = await kuboA.key.gen('site')
    const published = await kuboA.name.publish(added.cid, { key: 'site', lifetime: '2h', ttl: '1m' })
    expect(published.name).toBe(key.id)
    expect(published.value).toBe(`/ipfs/${added.cid}`)

    const resolved = await Array.fromAsync(kuboB.name.resolve(`/ipns/${key.id}`))
    expect(resolved).toEqual([`/ipfs/${added.cid}`])

    const page = await fetch(`${b.daemon.gatewayUrl}/ipns/${key.id}`) // resolved on b, content fetched from a
    expect(page.status).toBe(200)
    expect(await page.text()).toBe('named content')
    expect(page.headers.get('cache-control')).not.toContain('immutable')
    expect(page.headers.get('x-ipns-path')).toBe(`/ipns/${key.id}`)
    const badName = await fetch(`${b.daemon.gatewayUrl}/ipns/not-a-name/x`)
    expect(badName.status).toBe(400)

    // a new value with the next sequence number wins
    const second = await kuboA.add(enc('second version'))
    await kuboA.name.publish(second.cid, { key: 'site' })
    expect(await Array.fromAsync(kuboB.name.resolve(key.id))).toEqual([`/ipfs/${second.cid}`])
  })

  it('name: forged, expired or malformed records are refused with 400 ERR_INVALID_IPNS_RECORD', async () => {
    const owner = await generateKeyPair('Ed25519')
    const forger = await generateKeyPair('Ed25519')
    const name = peerIdFromPrivateKey(owner).toCID().toString(base36)
    // signed by another key than the name's
    const forged = marshalIPNSRecord(await createIPNSRecord(forger, '/ipfs/bafkqaaa', 1n, 3_600_000))
    await expectCode(
      await rpc(b, 'routing/put', { query: `arg=/ipns/${name}`, body: oneFile(forged) }),
      400,
      'ERR_INVALID_IPNS_RECORD',
    )
    const expired = marshalIPNSRecord(
      await createIPNSRecordWithExpiration(owner, '/ipfs/bafkqaaa', 1n, new Date(Date.now() - 60_000).toISOString()),
    )
    await expectCode(
      await rpc(b, 'routing/put', { query: `arg=/ipns/${name}`, body: oneFile(expired) }),
      400,
      'ERR_INVALID_IPNS_RECORD',
    )
    await expectCode(
      await rpc(b, 'routing/put', { query: `arg=/ipns/${name}`, body: oneFile(enc('garbage')) }),
      400,
      'ERR_INVALID_IPNS_RECORD',
    )
    // a valid one is stored and served back
    const good = marshalIPNSRecord(await createIPNSRecord(owner, '/ipfs/bafkqaaa', 1n, 3_600_000))
    expect((await rpc(b, 'routing/put', { query: `arg=/ipns/${name}`, body: oneFile(good) })).status).toBe(200)
    expect(await Array.fromAsync(kuboB.name.resolve(name))).toEqual(['/ipfs/bafkqaaa'])
    await expectCode(await rpc(b, 'name/resolve', { query: 'arg=/ipns/not-a-name' }), 400, 'ERR_INVALID_IPNS_NAME')
    await expectCode(await rpc(b, 'name/publish', { query: 'arg=/ipfs/nope' }), 400, 'ERR_INVALID_IPNS_VALUE')
    const fresh = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
      .toCID()
      .toString(base36)
    await expectCode(await rpc(b, 'name/resolve', { query: `arg=${fresh}` }), 404, 'ERR_IPNS_NOT_FOUND')
  })

  it('pubsub: sub, pub, ls, peers with multibase topics between two daemons; a badly encoded topic is 400', async () => {
    const topic = 'chat/room?1'
    const received: Array<{ data: string; from: string }> = []
    await kuboB.pubsub.subscribe(topic, (m) => {
      received.push({ data: Buffer.from(m.data).toString(), from: m.type === 'signed' ? m.from.toString() : '' })
    })
    expect(await kuboB.pubsub.ls()).toEqual([topic])
    await waitFor(async () => (await kuboA.pubsub.peers(topic)).map(String).includes(b.node.peerId), {
      what: 'a to learn b subscribes',
    })
    await waitFor(
      async () => {
        await kuboA.pubsub.publish(topic, enc('hi from a'))
        return received.length > 0
      },
      { interval: 500, what: 'the message to arrive' },
    )
    expect(received[0]).toEqual({ data: 'hi from a', from: a.node.peerId })
    await kuboB.pubsub.unsubscribe(topic)
    await waitFor(async () => (await kuboB.pubsub.ls()).length === 0, { what: 'the subscription to end' })

    await expectCode(
      await rpc(a, 'pubsub/pub', { query: 'arg=plain-text', body: oneFile(enc('x')) }),
      400,
      'ERR_INVALID_ARGUMENT',
    )
    await expectCode(await rpc(a, 'pubsub/sub', { query: 'arg=u$$$' }), 400, 'ERR_INVALID_ARGUMENT')
    await expectCode(
      await rpc(a, 'pubsub/peers', { query: `arg=${topicArg(topic).slice(1)}!` }),
      400,
      'ERR_INVALID_ARGUMENT',
    )
  })

  it('config: get, set (string, --json, --bool), show, replace; bad values are 400', async () => {
    await kuboA.config.set('Datastore.StorageMax', '20GB')
    expect(await kuboA.config.get('Datastore.StorageMax')).toBe('20GB')
    await kuboA.config.set('Swarm.ConnMgr.HighWater', 123)
    expect(await kuboA.config.get('Swarm.ConnMgr.HighWater')).toBe(123)
    await kuboA.config.set('Daemon.LowPower', true)
    expect(await kuboA.config.get('Daemon.LowPower')).toBe(true)
    const all = (await kuboA.config.getAll()) as Record<string, Record<string, unknown>>
    expect(all.Identity?.PeerID).toBe(a.node.peerId)
    await kuboA.config.replace({ ...all, Bootstrap: [] } as never)
    expect(await kuboA.config.get('Bootstrap')).toEqual([])
    expect(await kuboA.config.get('Identity.PeerID')).toBe(a.node.peerId)

    await expectCode(await rpc(a, 'config', { query: 'arg=No.Such.Key' }), 404, 'ERR_CONFIG_KEY_NOT_FOUND')
    await expectCode(await rpc(a, 'config', { query: 'arg=Identity.PeerID&arg=12D3x' }), 400, 'ERR_INVALID_ARGUMENT')
    await expectCode(
      await rpc(a, 'config', { query: 'arg=Swarm.ConnMgr.HighWater&arg={x&json=true' }),
      400,
      'ERR_INVALID_ARGUMENT',
    )
    await expectCode(
      await rpc(a, 'config', { query: 'arg=Daemon.LowPower&arg=maybe&bool=true' }),
      400,
      'ERR_INVALID_ARGUMENT',
    )
    await expectCode(
      await rpc(a, 'config', { query: 'arg=Swarm.ConnMgr.HighWater&arg="many"&json=true' }),
      400,
      'ERR_INVALID_CONFIG',
    )
  })

  it('shutdown: the stock client stops a daemon', async () => {
    const c = await startDaemon()
    try {
      await create({ url: c.daemon.apiUrl }).stop()
      await waitFor(
        async () => {
          try {
            await fetch(`${c.daemon.apiUrl}/api/v0/id`, { method: 'POST' })
            return false
          } catch {
            return true
          }
        },
        { what: 'the API to stop answering' },
      )
    } finally {
      await c.node.stop()
      await rm(c.dir, { recursive: true, force: true })
    }
  })
})
