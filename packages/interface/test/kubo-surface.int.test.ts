/**
 * The RPC surface the stock Kubo clients call, driven through the older `ipfs-http-client` 60 (js-ipfs era, camelCase
 * flags) and the current `kubo-rpc-client`, against two real daemons on 127.0.0.1. Every call is named in CALLS and
 * must pass.
 */

import { create as createLegacy } from 'ipfs-http-client'
import { create as createKubo, type KuboRPCClient } from 'kubo-rpc-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rpc, startDaemon, type TestDaemon } from './helpers.js'

const enc = new TextEncoder()
const text = async (chunks: AsyncIterable<Uint8Array>) => Buffer.concat(await Array.fromAsync(chunks)).toString()
/** Enough bytes for three 256 KiB chunks: a root with three links. */
const BIG = new Uint8Array(600_000).map((_, i) => i % 251)

// biome-ignore lint/suspicious/noExplicitAny: ipfs-http-client 60 ships loose types
type Legacy = any
const many = (source: Legacy): Promise<Legacy[]> => Array.fromAsync(source)

describe('Kubo clients against our daemon: the whole surface', () => {
  let a: TestDaemon
  let b: TestDaemon
  let legacy: Legacy
  let kubo: KuboRPCClient
  let bAddr: string

  beforeAll(async () => {
    a = await startDaemon()
    b = await startDaemon()
    legacy = createLegacy({ url: `${a.daemon.apiUrl}/api/v0` })
    kubo = createKubo({ url: a.daemon.apiUrl })
    bAddr = b.node.network.addresses()[0] as string
  })
  afterAll(async () => {
    await a?.stop()
    await b?.stop()
  })

  it('ipfs-http-client 60: every call answers with Kubo’s shape', async () => {
    const s: Record<string, unknown> = {}
    /** The 44 calls, in order; each checks what it got back. */
    const CALLS: Array<[string, () => Promise<void>]> = [
      ['id', async () => expect((await legacy.id()).id.toString()).toBe(a.node.peerId)],
      ['version', async () => expect((await legacy.version()).version).toMatch(/\d/)],
      [
        'add',
        async () => {
          const r = await legacy.add(BIG)
          s.big = r.cid
          s.bigSize = r.size
        },
      ],
      [
        'addAll',
        async () => {
          const all = await many(legacy.addAll([{ path: 'd/x.txt', content: enc.encode('x\n') }]))
          s.dir = all.at(-1).cid
        },
      ],
      ['cat', async () => expect(await text(legacy.cat(`${s.dir}/x.txt`))).toBe('x\n')],
      ['ls', async () => expect((await many(legacy.ls(s.dir))).map((e: Legacy) => e.name)).toEqual(['x.txt'])],
      ['get', async () => expect((await text(legacy.get(s.dir))).length).toBeGreaterThan(512)],
      [
        'block.put',
        async () => {
          s.block = await legacy.block.put(enc.encode('raw block'))
        },
      ],
      ['block.get', async () => expect(Buffer.from(await legacy.block.get(s.block)).toString()).toBe('raw block')],
      ['block.stat', async () => expect((await legacy.block.stat(s.block)).size).toBe(9)],
      [
        'dag.put',
        async () => {
          s.node = await legacy.dag.put({ hello: 'world', link: s.block })
          expect(String(s.node)).toMatch(/^bafyrei/)
        },
      ],
      ['dag.get', async () => expect((await legacy.dag.get(s.node)).value.hello).toBe('world')],
      [
        'dag.get with a path',
        async () => expect((await legacy.dag.get(s.node, { path: 'hello' })).value).toBe('world'),
      ],
      ['dag.export', async () => expect((await many(legacy.dag.export(s.node))).length).toBeGreaterThan(0)],
      [
        'dag.import',
        async () => {
          const car = await many(legacy.dag.export(s.node))
          const roots = await many(
            legacy.dag.import(
              (async function* () {
                yield* car
              })(),
            ),
          )
          expect(roots[0].root.cid.toString()).toBe(String(s.node))
        },
      ],
      ['pin.add', async () => expect(String(await legacy.pin.add(s.node))).toBe(String(s.node))],
      [
        'pin.ls',
        async () => {
          const pins = await many(legacy.pin.ls({ type: 'recursive' }))
          expect(pins.map((p: Legacy) => String(p.cid))).toContain(String(s.node))
        },
      ],
      ['pin.rm', async () => expect(String(await legacy.pin.rm(s.node))).toBe(String(s.node))],
      [
        'refs',
        async () => {
          const refs = await many(legacy.refs(s.big, { recursive: true }))
          expect(refs).toHaveLength(3)
          expect(refs.every((r: Legacy) => r.err === '' && r.ref.length > 0)).toBe(true)
        },
      ],
      [
        'refs.local',
        async () => {
          const local = (await many(legacy.refs.local())).map((r: Legacy) => r.ref)
          expect(local.length).toBeGreaterThanOrEqual(6)
        },
      ],
      [
        'object.stat',
        async () => {
          const st = await legacy.object.stat(s.big)
          expect(st.NumLinks).toBe(3)
          expect(st.CumulativeSize).toBe(Number(s.bigSize))
        },
      ],
      ['repo.stat', async () => expect(Number((await legacy.repo.stat()).numObjects)).toBeGreaterThan(0)],
      ['repo.gc', async () => void (await many(legacy.repo.gc()))],
      ['stats.bw', async () => expect(typeof (await many(legacy.stats.bw()))[0].totalIn).toBe('bigint')],
      ['swarm.connect', async () => void (await legacy.swarm.connect(bAddr))],
      [
        'swarm.peers',
        async () => {
          const peers = await legacy.swarm.peers()
          expect(peers.map((p: Legacy) => p.peer.toString())).toContain(b.node.peerId)
        },
      ],
      [
        'swarm.localAddrs',
        async () => {
          const addrs = await legacy.swarm.localAddrs()
          expect(addrs.map(String)).toContain(a.node.network.addresses()[0]?.replace(/\/p2p\/.*$/, ''))
        },
      ],
      [
        'ping',
        async () => {
          const pongs = await many(legacy.ping(b.node.peerId, { count: 2 }))
          expect(pongs.filter((p: Legacy) => p.success && p.time > 0)).toHaveLength(2)
          expect(pongs.at(-1).text).toMatch(/^Average latency: [\d.]+ms$/)
        },
      ],
      ['swarm.disconnect', async () => void (await legacy.swarm.disconnect(bAddr))],
      ['bootstrap.add', async () => expect((await legacy.bootstrap.add(bAddr)).Peers.map(String)).toEqual([bAddr])],
      ['bootstrap.list', async () => expect((await legacy.bootstrap.list()).Peers.map(String)).toEqual([bAddr])],
      ['bootstrap.rm', async () => expect((await legacy.bootstrap.rm(bAddr)).Peers.map(String)).toEqual([bAddr])],
      ['resolve', async () => expect(await legacy.resolve(`/ipfs/${s.dir}/x.txt`)).toMatch(/^\/ipfs\/Qm/)],
      ['files.mkdir', async () => legacy.files.mkdir('/docs', { parents: true })],
      ['files.write', async () => legacy.files.write('/docs/a.txt', enc.encode('hello mfs\n'), { create: true })],
      ['files.read', async () => expect(await text(legacy.files.read('/docs/a.txt'))).toBe('hello mfs\n')],
      [
        'files.ls',
        async () => expect((await many(legacy.files.ls('/docs'))).map((e: Legacy) => e.name)).toEqual(['a.txt']),
      ],
      ['files.stat', async () => expect((await legacy.files.stat('/docs/a.txt')).size).toBe(10)],
      [
        'files.stat of /ipfs/<cid>',
        async () => {
          const st = await legacy.files.stat(`/ipfs/${s.big}`)
          expect(st.blocks).toBe(3)
          expect(st.cumulativeSize).toBe(Number(s.bigSize))
          expect(st.size).toBe(BIG.length)
        },
      ],
      ['files.cp', async () => legacy.files.cp(`/ipfs/${s.big}`, '/docs/big')],
      ['files.mv', async () => legacy.files.mv('/docs/big', '/docs/big2')],
      ['files.rm', async () => legacy.files.rm('/docs/big2')],
      ['key.gen', async () => expect((await legacy.key.gen('k1', { type: 'ed25519' })).name).toBe('k1')],
      ['key.list', async () => expect((await legacy.key.list()).map((k: Legacy) => k.name)).toContain('k1')],
      [
        'name.publish',
        async () => {
          const r = await legacy.name.publish(`/ipfs/${s.dir}`, { key: 'k1', allowOffline: true })
          s.ipns = r.name
        },
      ],
      ['name.resolve', async () => expect(await many(legacy.name.resolve(s.ipns))).toEqual([`/ipfs/${s.dir}`])],
      ['config.set', async () => legacy.config.set('Addresses.Announce', [])],
      ['config.get', async () => expect(await legacy.config.get('Bootstrap')).toEqual([])],
      ['config.getAll', async () => expect((await legacy.config.getAll()).Addresses).toBeDefined()],
    ]
    const failures: string[] = []
    for (const [name, call] of CALLS) {
      try {
        await call()
      } catch (err) {
        failures.push(`${name}: ${(err as Error).message}`)
      }
    }
    expect(failures).toEqual([])
    expect(CALLS.length).toBeGreaterThanOrEqual(42)
  }, 120_000)

  it('kubo-rpc-client: the calls that answered 404 before', async () => {
    const big = await kubo.add(BIG)
    const cbor = await kubo.dag.put({ a: 1, big: big.cid })
    expect((await kubo.dag.get(cbor)).value.a).toBe(1)
    const viaJson = await kubo.dag.put(enc.encode('{"a":1}'), { inputCodec: 'dag-json', storeCodec: 'dag-cbor' })
    // pin: recursive, as Kubo's dag put --pin
    const pinned = await kubo.dag.put({ b: 2, big: big.cid }, { pin: true })
    expect((await Array.fromAsync(kubo.pin.ls({ paths: [pinned] })))[0]?.type).toBe('recursive')
    expect(viaJson.toString()).toBe((await kubo.dag.put({ a: 1 })).toString())
    const direct = await Array.fromAsync(kubo.refs(cbor))
    expect(direct.map((r) => r.ref)).toEqual([big.cid.toString()])
    const all = await Array.fromAsync(kubo.refs(cbor, { recursive: true }))
    expect(all).toHaveLength(4)
    const edges = await Array.fromAsync(kubo.refs(`/ipfs/${cbor}`, { edges: true }))
    expect(edges[0]?.ref).toBe(`${cbor} -> ${big.cid}`)
    expect((await Array.fromAsync(kubo.refs.local())).length).toBeGreaterThanOrEqual(5)
    expect((await kubo.files.stat(`/ipfs/${big.cid}`)).blocks).toBe(3)
    expect((await kubo.files.stat(`/ipfs/${big.cid}`)).cumulativeSize).toBe(big.size)
    expect((await Array.fromAsync(kubo.stats.bw()))[0]?.totalIn).toBeTypeOf('bigint')
    expect((await kubo.swarm.localAddrs()).map(String)).toContain(
      a.node.network.addresses()[0]?.replace(/\/p2p\/.*$/, ''),
    )
    await kubo.swarm.connect(bAddr as never)
    const pongs = await Array.fromAsync(kubo.ping(b.node.peerId as never, { count: 1 }))
    expect(pongs.map((p) => p.success)).toEqual([true, true, true])
    expect(pongs[1]?.time).toBeGreaterThan(0)
    expect((await kubo.bootstrap.add(bAddr as never)).Peers.map(String)).toEqual([bAddr])
    expect((await kubo.bootstrap.list()).Peers.map(String)).toEqual([bAddr])
    expect((await kubo.bootstrap.rm(bAddr as never)).Peers.map(String)).toEqual([bAddr])
    expect((await kubo.bootstrap.list()).Peers).toEqual([])
    expect(await kubo.resolve(`/ipfs/${cbor}`)).toBe(`/ipfs/${cbor}`)
  }, 60_000)

  it('refs walks as Kubo does: unique, max-depth, format; object/stat and bad input', async () => {
    const leaf = await kubo.dag.put({ leaf: true })
    const mid = await kubo.dag.put({ x: leaf, y: leaf })
    const top = await kubo.dag.put({ m: mid, l: leaf })
    const refs = async (query: string) => {
      const res = await rpc(a, 'refs', { query })
      expect(res.status).toBe(200)
      return (await res.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).Ref)
    }
    // dag-cbor links in key order: l, m (then m's x, y)
    expect(await refs(`arg=${top}&recursive=true`)).toEqual([`${leaf}`, `${mid}`, `${leaf}`, `${leaf}`])
    expect(await refs(`arg=${top}&recursive=true&unique=true`)).toEqual([`${leaf}`, `${mid}`])
    expect(await refs(`arg=${top}&recursive=true&max-depth=1`)).toEqual([`${leaf}`, `${mid}`])
    expect(await refs(`arg=${top}&format=<src>+<dst>`)).toEqual([`${top} ${leaf}`, `${top} ${mid}`])
    const st = await (await rpc(a, 'object/stat', { query: `arg=${(await kubo.add('tiny')).cid}` })).json()
    // 'tiny' as UnixFS: Data = 08 02 12 04 t i n y 18 04 (10 bytes), in a PBNode field: 12 bytes
    expect(st).toMatchObject({ NumLinks: 0, DataSize: 10, BlockSize: 12, LinksSize: 2, CumulativeSize: 12 })
    for (const [command, query] of [
      ['refs', 'arg=notacid'],
      ['refs', `arg=${top}&recursive=true&max-depth=x`],
      ['refs', `arg=${top}&edges=true&format=<src>`],
      ['object/stat', `arg=${top}`],
      ['dag/put', 'input-codec=nope'],
      ['resolve', 'arg=/foo/bar'],
      ['ping', 'arg=notapeer'],
      ['ping', `arg=${b.node.peerId}&count=0`],
      ['bootstrap/add', 'arg=/ip4/1.2.3.4/tcp/1'],
      ['bootstrap/rm', ''],
    ] as const) {
      const res = await rpc(a, command, { query })
      expect([command, query, res.status]).toEqual([command, query, 400])
      expect(res.headers.get('x-ipfrs-error-code')).toMatch(/^ERR_/)
    }
    const pinsBefore = Object.keys(((await (await rpc(a, 'pin/ls')).json()) as { Keys: object }).Keys).length
    const form = new FormData()
    form.append('file', new Blob(['{not json']))
    const bad = await rpc(a, 'dag/put', { body: form })
    expect(bad.status).toBe(400)
    // pin=true needs the whole DAG: a link to a block not held fails, and leaves no pin behind
    const missing = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
    const dangling = new FormData()
    dangling.append('file', new Blob([`{"x":{"/":"${missing}"}}`]))
    const refused = await rpc(a, 'dag/put', { query: 'pin=true', body: dangling })
    expect(refused.status).toBe(404)
    expect(refused.headers.get('x-ipfrs-error-code')).toBe('ERR_BLOCK_NOT_FOUND')
    const pins = (await (await rpc(a, 'pin/ls', { query: 'type=all' })).json()) as { Keys: object }
    expect(Object.keys(pins.Keys).length).toBe(pinsBefore)
  }, 60_000)
})
