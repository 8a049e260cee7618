/**
 * Trustless responses checked against independent code: `@helia/verified-fetch` 8 (fetching each block from our
 * gateway as `?format=raw`, hash-checking it, and building its own CAR for the same request with `@helia/car`),
 * `@ipld/car` to read our CARs, and `ipfs-unixfs-exporter` reading a file back out of nothing but a CAR's blocks.
 */
import { withHTTP } from '@helia/http'
import { createVerifiedFetch } from '@helia/verified-fetch'
import { CarReader } from '@ipld/car'
import * as dagPb from '@ipld/dag-pb'
import { createHeliaLight } from 'helia'
import { UnixFS } from 'ipfs-unixfs'
import { exporter } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDaemon, type TestDaemon } from './helpers.js'

const CHUNK = 256 * 1024

/** Reads a file out of nothing but a CAR's blocks (a block the CAR lacks fails the read). */
async function fileFromCar(reader: CarReader, path: string) {
  const store = {
    get: async function* (cid: CID) {
      const block = await reader.get(cid)
      if (block == null) throw new Error(`missing ${cid}`)
      yield block.bytes
    },
  }
  const entry = await exporter(path, store as never)
  if (entry.type !== 'file') throw new Error(`expected a file, got ${entry.type}`)
  return entry
}

describe('gateway trustless responses', () => {
  let d: TestDaemon
  let root: string
  let verifiedFetch: Awaited<ReturnType<typeof createVerifiedFetch>>
  let helia: ReturnType<typeof createHeliaLight>
  const big = Buffer.from(Array.from({ length: 5 * CHUNK + 1234 }, (_, i) => (i * 31) % 251))
  let repeated: string

  beforeAll(async () => {
    d = await startDaemon()
    const enc = (s: string) => new TextEncoder().encode(s)
    const tree = await Array.fromAsync(
      d.node.addAll([
        { path: 'site/sub/big.bin', content: big },
        { path: 'site/sub/small.txt', content: enc('small\n') },
        { path: 'site/other.txt', content: enc('other\n') },
      ]),
    )
    root = tree.at(-1)!.cid.toString()
    // four identical chunks: one leaf CID linked four times
    repeated = (await d.node.addBytes(Buffer.alloc(4 * CHUNK, 7), { cidVersion: 1 })).cid.toString()
    helia = withHTTP(createHeliaLight({}), {
      delegatedRouters: [],
      recursiveGateways: [d.daemon.gatewayUrl],
      allowInsecure: true,
      allowLocal: true,
    })
    // helia 7.1 waits forever for providers when it has only "fallback" routers (which withHTTP makes the
    // recursive gateways): make ours an ordinary router so blocks are asked of it
    for (const router of (helia.routing as unknown as { routers: Array<{ capabilities?: () => string[] }> }).routers)
      router.capabilities = () => []
    await helia.start()
    verifiedFetch = await createVerifiedFetch(helia)
  }, 120_000)
  afterAll(async () => {
    await verifiedFetch?.stop()
    await helia?.stop()
    await d?.stop()
  })

  const ours = (path: string, accept = 'application/vnd.ipld.car') =>
    fetch(`${d.daemon.gatewayUrl}${path}`, { headers: { Accept: accept } })

  async function carOf(res: Response): Promise<{ roots: string[]; cids: string[]; reader: CarReader }> {
    expect(res.status).toBe(200)
    const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()))
    const cids: string[] = []
    for await (const block of reader.blocks()) {
      // every block is what its CID says
      expect((await sha256.digest(block.bytes)).bytes).toEqual(block.cid.multihash.bytes)
      cids.push(block.cid.toString())
    }
    return { roots: (await reader.getRoots()).map(String), cids, reader }
  }

  /** The same request through verified-fetch (blocks from our gateway, one by one, its own CAR). */
  async function theirs(path: string, accept = 'application/vnd.ipld.car; order=dfs; dups=n') {
    return carOf(await verifiedFetch(`ipfs://${path}`, { headers: { accept }, signal: AbortSignal.timeout(60_000) }))
  }

  it('a CAR for a path carries the blocks along the path, rooted at the path root, as verified-fetch builds it', async () => {
    for (const query of ['', '?dag-scope=all', '?dag-scope=entity', '?dag-scope=block']) {
      const path = `${root}/sub/big.bin${query}`
      const res = await ours(`/ipfs/${path}`)
      expect(res.headers.get('content-type')).toBe('application/vnd.ipld.car; version=1; order=dfs; dups=n')
      const got = await carOf(res)
      const want = await theirs(path)
      expect(got.roots).toEqual([root])
      expect(got.cids).toEqual(want.cids)
      expect(got.cids.length).toBe(query === '?dag-scope=block' ? 3 : 3 + 6) // root, sub, file root (+ 6 leaves)
    }
    // the CAR alone is enough to walk the path and read the file
    const { reader } = await carOf(await ours(`/ipfs/${root}/sub/big.bin`))
    const entry = await fileFromCar(reader, `${root}/sub/big.bin`)
    expect(Buffer.concat(await Array.fromAsync(entry.content())).equals(big)).toBe(true)
  })

  it('entity-bytes carries only the blocks of that byte range (and the path), as verified-fetch selects them', async () => {
    for (const range of ['300000:600000', '0:10', `${CHUNK + 5}:*`, '-5000:*']) {
      const path = `${root}/sub/big.bin?dag-scope=entity&entity-bytes=${range}`
      const got = await carOf(await ours(`/ipfs/${path}`))
      const want = await theirs(path)
      expect(got.cids).toEqual(want.cids)
    }
    const { cids, reader } = await carOf(await ours(`/ipfs/${root}/sub/big.bin?entity-bytes=300000:600000`))
    expect(cids.length).toBe(3 + 2) // root, sub, file root, leaves 1 and 2
    const entry = await fileFromCar(reader, `${root}/sub/big.bin`)
    const part = Buffer.concat(await Array.fromAsync(entry.content({ offset: 300000, length: 300001 })))
    expect(part.equals(big.subarray(300000, 600001))).toBe(true)
  })

  it('a directory entity is its own block; dups=y repeats a block each time the DAG links it', async () => {
    const dir = await carOf(await ours(`/ipfs/${root}/sub?dag-scope=entity`))
    expect(dir.cids).toEqual((await theirs(`${root}/sub?dag-scope=entity`)).cids)
    expect(dir.cids.length).toBe(2)
    const once = await carOf(await ours(`/ipfs/${repeated}`))
    expect(once.cids.length).toBe(2)
    const res = await ours(`/ipfs/${repeated}`, 'application/vnd.ipld.car; version=1; order=dfs; dups=y')
    expect(res.headers.get('content-type')).toBe('application/vnd.ipld.car; version=1; order=dfs; dups=y')
    const dups = await carOf(res)
    expect(dups.cids.length).toBe(5)
    expect(new Set(dups.cids.slice(1)).size).toBe(1)
    expect(dups.cids).toEqual((await theirs(repeated, 'application/vnd.ipld.car; order=dfs; dups=y')).cids)
    const byQuery = await carOf(await ours(`/ipfs/${repeated}?format=car&car-dups=y`, '*/*'))
    expect(byQuery.cids).toEqual(dups.cids)
  })

  it('a sharded (HAMT) directory: the path walks its shards; its entity is its shard blocks', async () => {
    const long = 'n'.repeat(230)
    const files = Array.from({ length: 1200 }, (_, i) => ({
      path: `h/${long}${i}`,
      content: new Uint8Array([i % 256]),
    }))
    const hamt = (await Array.fromAsync(d.node.addAll(files, { cidVersion: 1 }))).at(-1)!.cid.toString()
    const rootBlock = (await carOf(await ours(`/ipfs/${hamt}?dag-scope=block`))).reader
    const [only] = await Array.fromAsync(rootBlock.blocks())
    expect(UnixFS.unmarshal(dagPb.decode(only!.bytes).Data!).type).toBe('hamt-sharded-directory')
    for (const path of [`${hamt}/${long}777?dag-scope=block`, `${hamt}/${long}5`, `${hamt}?dag-scope=entity`]) {
      const got = await carOf(await ours(`/ipfs/${path}`))
      expect(got.cids).toEqual((await theirs(path)).cids)
      expect(got.cids.length).toBeGreaterThan(2) // the root shard, at least one sub-shard, …
    }
  })

  it('raw blocks by path, the identity probe, only-if-cached', async () => {
    const res = await ours(`/ipfs/${root}/other.txt`, 'application/vnd.ipld.raw')
    expect(res.headers.get('content-type')).toBe('application/vnd.ipld.raw')
    const bytes = new Uint8Array(await res.arrayBuffer())
    const viaVerified = await verifiedFetch(`ipfs://${root}/other.txt`, {
      headers: { accept: 'application/vnd.ipld.raw' },
      signal: AbortSignal.timeout(60_000),
    })
    expect(new Uint8Array(await viaVerified.arrayBuffer())).toEqual(bytes)
    const probe = await fetch(`${d.daemon.gatewayUrl}/ipfs/bafkqaaa?format=raw`)
    expect(probe.status).toBe(200)
    expect((await probe.arrayBuffer()).byteLength).toBe(0)
    const absent = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' // sha256 of "hello world"
    const missing = await fetch(`${d.daemon.gatewayUrl}/ipfs/${absent}?format=raw`, {
      headers: { 'Cache-Control': 'only-if-cached' },
    })
    expect(missing.status).toBe(412)
    expect(missing.headers.get('x-ipfrs-error-code')).toBe('ERR_NOT_CACHED')
    const cached = await fetch(`${d.daemon.gatewayUrl}/ipfs/${root}?format=raw`, {
      headers: { 'Cache-Control': 'only-if-cached' },
    })
    expect(cached.status).toBe(200)
  })

  it('bad CAR parameters are 4xx with a code; the gateway keeps serving', async () => {
    const cases: Array<[string, string, number, string]> = [
      [`/ipfs/${root}?format=car&dag-scope=everything`, '*/*', 400, 'ERR_INVALID_ARGUMENT'],
      [`/ipfs/${root}/sub/big.bin?format=car&entity-bytes=9:1`, '*/*', 400, 'ERR_INVALID_ARGUMENT'],
      [`/ipfs/${root}/sub/big.bin?format=car&entity-bytes=a:b`, '*/*', 400, 'ERR_INVALID_ARGUMENT'],
      [`/ipfs/${root}?format=car&car-dups=maybe`, '*/*', 400, 'ERR_INVALID_ARGUMENT'],
      [`/ipfs/${root}`, 'application/vnd.ipld.car; version=2', 406, 'ERR_NOT_ACCEPTABLE'],
      [`/ipfs/${root}/nope?format=car`, '*/*', 404, 'ERR_PATH_NOT_FOUND'],
      [`/ipfs/${root}/other.txt/below?format=raw`, '*/*', 404, 'ERR_PATH_NOT_FOUND'],
    ]
    for (const [path, accept, status, code] of cases) {
      const res = await ours(path, accept)
      expect([path, res.status, res.headers.get('x-ipfrs-error-code')]).toEqual([path, status, code])
      await res.arrayBuffer()
    }
    const head = await fetch(`${d.daemon.gatewayUrl}/ipfs/${root}/nope?format=car`, { method: 'HEAD' })
    expect(head.status).toBe(404)
    expect((await carOf(await ours(`/ipfs/${root}/other.txt`))).cids.length).toBe(2)
  })
})
