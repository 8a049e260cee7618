import { cidOf, formatCid } from '@ipfrs/core'
import { collect } from '@ipfrs/test-utils'
import { CarReader } from '@ipld/car'
import { create, type KuboRPCClient } from 'kubo-rpc-client'
import type { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDaemon, type TestDaemon } from './helpers.js'

const HELLO_V0 = 'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN'

/** Entries of a tar archive: name, type flag and content. */
function untar(tar: Buffer): Array<{ name: string; type: string; data: Buffer }> {
  const out = []
  let off = 0
  let longName: string | undefined
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512)
    if (h.every((b) => b === 0)) break
    const name = h.subarray(0, 100).toString().replace(/\0.*$/s, '')
    const size = Number.parseInt(h.subarray(124, 136).toString().replace(/\0.*$/s, '').trim() || '0', 8)
    const type = String.fromCharCode(h[156] ?? 48)
    const data = tar.subarray(off + 512, off + 512 + size)
    off += 512 + Math.ceil(size / 512) * 512
    if (type === 'x') {
      longName = /\d+ path=(.*)\n/.exec(data.toString())?.[1]
      continue
    }
    out.push({ name: longName ?? name, type, data: Buffer.from(data) })
    longName = undefined
  }
  return out
}

describe('the stock kubo-rpc-client against our daemon', () => {
  let a: TestDaemon
  let b: TestDaemon
  let kubo: KuboRPCClient
  let kuboB: KuboRPCClient

  beforeAll(async () => {
    a = await startDaemon()
    b = await startDaemon()
    kubo = create({ url: a.daemon.apiUrl })
    kuboB = create({ url: b.daemon.apiUrl })
  })
  afterAll(async () => {
    await a?.stop()
    await b?.stop()
  })

  it('adds and cats with Kubo’s CIDs', async () => {
    const added = await kubo.add('hello\n')
    expect(added.cid.toString()).toBe(HELLO_V0)
    expect(added.size).toBe(14)
    expect(Buffer.concat(await Array.fromAsync(kubo.cat(added.cid))).toString()).toBe('hello\n')
    expect(Buffer.concat(await Array.fromAsync(kubo.cat(added.cid, { offset: 1, length: 3 }))).toString()).toBe('ell')
    const v1 = await kubo.add(new TextEncoder().encode('hello\n'), { cidVersion: 1 })
    expect(v1.cid.toString()).toBe(formatCid(cidOf(new TextEncoder().encode('hello\n'), 0x55)))
    const progress: number[] = []
    const big = new Uint8Array(700_000).fill(3)
    // a streamed source has no known length, so the client asks the daemon for progress lines
    const stream = (async function* () {
      for (let i = 0; i < big.length; i += 100_000) yield big.subarray(i, i + 100_000)
    })()
    const withProgress = await kubo.add(stream, { progress: (bytes) => progress.push(bytes) })
    expect(withProgress.cid.toString()).toBe((await a.node.addBytes(big, { onlyHash: true } as never)).cid.toString())
    expect(progress.length).toBeGreaterThanOrEqual(2) // every 256 KiB and at the end
    expect(progress.every((b, i) => i === 0 || b > (progress[i - 1] ?? 0))).toBe(true)
    expect(progress.at(-1)).toBe(700_000)
  })

  it('adds a directory tree with the same CIDs the node gives, and lists and gets it', async () => {
    const files = [
      { path: 'tree/a.txt', content: 'alpha\n' },
      { path: 'tree/sub/b.txt', content: 'beta\n' },
      { path: 'tree/sub/deeper/c.bin', content: new Uint8Array(300_000).fill(7) },
    ]
    const viaKubo = await Array.fromAsync(
      kubo.addAll(
        files.map((f) => ({
          path: f.path,
          content: typeof f.content === 'string' ? new TextEncoder().encode(f.content) : f.content,
        })),
      ),
    )
    const local = await Array.fromAsync(
      a.node.addAll(
        files.map((f) => ({
          path: f.path,
          content: typeof f.content === 'string' ? new TextEncoder().encode(f.content) : f.content,
        })),
        { onlyHash: true },
      ),
    )
    const byPath = (r: Array<{ path: string; cid: CID }>) =>
      Object.fromEntries(r.map((x) => [x.path, x.cid.toString()]))
    expect(byPath(viaKubo)).toEqual(byPath(local))
    const root = viaKubo.find((r) => r.path === 'tree')!
    const listing = await Array.fromAsync(kubo.ls(root.cid))
    expect(listing.map((e) => [e.name, e.type])).toEqual([
      ['a.txt', 'file'],
      ['sub', 'dir'],
    ])
    const entries = untar(Buffer.from(await collect(kubo.get(root.cid))))
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      [root.cid.toString(), '5'],
      [`${root.cid}/a.txt`, '0'],
      [`${root.cid}/sub`, '5'],
      [`${root.cid}/sub/b.txt`, '0'],
      [`${root.cid}/sub/deeper`, '5'],
      [`${root.cid}/sub/deeper/c.bin`, '0'],
    ])
    expect(entries[5]?.data.equals(Buffer.alloc(300_000, 7))).toBe(true)
  })

  it('adds one file with a path wrapped in a directory, as the node does, and surfaces errors', async () => {
    const content = new TextEncoder().encode('greetings\n')
    const viaKubo = await kubo.add({ path: 'notes/greeting.txt', content }, { wrapWithDirectory: true })
    const local = await Array.fromAsync(
      a.node.addAll([{ path: 'notes/greeting.txt', content }], { onlyHash: true, wrapWithDirectory: true }),
    )
    expect(viaKubo.cid.toString()).toBe(local.at(-1)?.cid.toString())
    expect(Buffer.from(await collect(kubo.cat(`/ipfs/${viaKubo.cid}/notes/greeting.txt`))).toString()).toBe(
      'greetings\n',
    )
    // the daemon's {Message} reaches the caller as the client's error; the daemon keeps serving
    await expect(collect(kubo.cat(viaKubo.cid))).rejects.toThrow(/director/i)
    await expect(collect(kubo.cat(`/ipfs/${viaKubo.cid}/nope.txt`))).rejects.toThrow()
    expect((await kubo.version()).version).toBe('0.1.0')
  })

  it('pins, lists pins (streamed and not) and unpins', async () => {
    const { cid } = await kubo.add('pin me\n', { pin: false })
    expect((await Array.fromAsync(kubo.pin.ls({ type: 'recursive' }))).map((p) => p.cid.toString())).not.toContain(
      cid.toString(),
    )
    expect((await kubo.pin.add(cid)).toString()).toBe(cid.toString())
    const pins = await Array.fromAsync(kubo.pin.ls({ type: 'recursive' }))
    expect(pins.find((p) => p.cid.equals(cid))?.type).toBe('recursive')
    expect((await Array.fromAsync(kubo.pin.ls({ paths: [cid] })))[0]?.cid.toString()).toBe(cid.toString())
    expect((await kubo.pin.rm(cid)).toString()).toBe(cid.toString())
    await expect(Array.fromAsync(kubo.pin.ls({ paths: [cid] }))).rejects.toThrow(/not pinned/)
  })

  it('puts, gets, stats and removes blocks', async () => {
    const bytes = new TextEncoder().encode('a raw block')
    const cid = await kubo.block.put(bytes)
    expect(cid.equals(cidOf(bytes, 0x55))).toBe(true)
    expect(Buffer.from(await kubo.block.get(cid)).toString()).toBe('a raw block')
    expect(await kubo.block.stat(cid)).toEqual({ cid, size: bytes.length })
    const removed = await Array.fromAsync(kubo.block.rm(cid))
    expect(removed[0]?.cid.equals(cid)).toBe(true)
    expect(removed[0]?.error).toBeUndefined()
    await expect(kubo.block.stat(cid)).rejects.toThrow()
  })

  it('exports a CAR that @ipld/car reads and verifies, and imports it on another node', async () => {
    const { cid } = await kubo.add(new Uint8Array(600_000).map((_, i) => i % 251))
    const car = await collect(kubo.dag.export(cid))
    const reader = await CarReader.fromBytes(car)
    expect((await reader.getRoots())[0]?.equals(cid)).toBe(true)
    let blocks = 0
    for await (const block of reader.blocks()) {
      expect(cidOf(block.bytes, block.cid.code, block.cid.multihash.code).multihash.bytes).toEqual(
        block.cid.multihash.bytes,
      )
      blocks++
    }
    expect(blocks).toBeGreaterThan(2)
    const imported = await Array.fromAsync(kuboB.dag.import([car]))
    expect(imported[0]?.root.cid.toString()).toBe(cid.toString())
    expect((await collect(kuboB.cat(cid))).length).toBe(600_000)
  })

  it('reports id, version, repo stat and gc', async () => {
    const id = await kubo.id()
    expect(id.id.toString()).toBe(a.node.peerId)
    expect(id.addresses.length).toBeGreaterThan(0)
    expect(id.protocols.map(String)).toContain('/ipfs/bitswap/1.2.0')
    expect((await kubo.version()).version).toBe('0.1.0')
    const stat = await kubo.repo.stat()
    expect(stat.numObjects).toBeGreaterThan(0n)
    const { cid } = await kubo.add('garbage\n', { pin: false })
    // blocks are stored by multihash, so gc names them as raw CIDv1s (as Kubo does): compare multihashes
    const removed = (await Array.fromAsync(kubo.repo.gc())).map((r) =>
      Buffer.from(r.cid!.multihash.bytes).toString('hex'),
    )
    expect(removed).toContain(Buffer.from(cid.multihash.bytes).toString('hex'))
  })

  it('connects two daemons, finds providers through the DHT and fetches over Bitswap', async () => {
    const addr = a.node.network.addresses()[0]!
    await kuboB.swarm.connect(addr as never)
    expect((await kuboB.swarm.peers()).map((p) => p.peer.toString())).toContain(a.node.peerId)
    const { cid } = await kubo.add('provided by A\n')
    await Array.fromAsync(kubo.routing.provide(cid))
    let found: string | undefined
    for await (const event of kuboB.routing.findProvs(cid)) {
      if (event.name === 'PROVIDER') found = event.providers[0]?.id.toString()
      if (found) break
    }
    expect(found).toBe(a.node.peerId)
    const peer = await Array.fromAsync(kuboB.routing.findPeer(a.node.peerId as never))
    expect(JSON.stringify(peer)).toContain(a.node.peerId)
    expect(Buffer.concat(await Array.fromAsync(kuboB.cat(cid))).toString()).toBe('provided by A\n')
  })
})

describe('routing across three daemons with the stock client', () => {
  const ds: TestDaemon[] = []
  afterAll(async () => {
    await Promise.all(ds.map((d) => d.stop()))
  })

  it('C, introduced only to B, finds A’s provider record and A’s addresses, then fetches from A', async () => {
    for (let i = 0; i < 3; i++) ds.push(await startDaemon())
    const [a, b] = ds as [TestDaemon, TestDaemon, TestDaemon]
    const [ka, kb, kc] = ds.map((d) => create({ url: d.daemon.apiUrl })) as [
      KuboRPCClient,
      KuboRPCClient,
      KuboRPCClient,
    ]
    // A–B and B–C; C learns of A only through B's DHT (it may then dial A by itself, as DHT peers do)
    await kb.swarm.connect(a.node.network.addresses()[0] as never)
    await kc.swarm.connect(b.node.network.addresses()[0] as never)
    const { cid } = await ka.add('three hops\n')
    await Array.fromAsync(ka.routing.provide(cid))
    // findpeer answers from the peer store first, where a peer whose identify is still running has no addresses
    // yet (network's findPeer; see the report): ask again until A's addresses are known
    let addrs: string[] = []
    for (let i = 0; i < 50 && addrs.length === 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100))
      const final = (await Array.fromAsync(kc.routing.findPeer(a.node.peerId as never))).find(
        (e) => e.name === 'FINAL_PEER',
      )
      expect(final?.name === 'FINAL_PEER' && final.peer.id.toString()).toBe(a.node.peerId)
      addrs = final?.name === 'FINAL_PEER' ? final.peer.multiaddrs.map(String) : []
    }
    expect(addrs.some((m) => a.node.network.addresses().some((x) => x.startsWith(m)))).toBe(true)
    let found: string | undefined
    for await (const event of kc.routing.findProvs(cid, { timeout: 20_000 })) {
      if (event.name === 'PROVIDER')
        found = event.providers.find((p) => p.id.toString() === a.node.peerId)?.id.toString()
      if (found) break
    }
    expect(found).toBe(a.node.peerId)
    expect(Buffer.from(await collect(kc.cat(cid))).toString()).toBe('three hops\n')
  })
})
