/**
 * `?format=` / `Accept` for tar, dag-json, dag-cbor, json and cbor, compared to what the codec libraries produce and
 * to what GNU tar extracts.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDaemon, type TestDaemon } from './helpers.js'

describe('gateway response formats', () => {
  let d: TestDaemon
  let dir: string
  let cbor: CID
  let cborBytes: Uint8Array
  let json: CID
  let jsonBytes: Uint8Array
  let raw: CID

  beforeAll(async () => {
    d = await startDaemon()
    const enc = (s: string) => new TextEncoder().encode(s)
    const tree = await Array.fromAsync(
      d.node.addAll([
        { path: 'pkg/readme.txt', content: enc('read me\n') },
        { path: 'pkg/lib/data.bin', content: Buffer.alloc(70_000, 3) },
      ]),
    )
    dir = tree.at(-1)!.cid.toString()
    cborBytes = dagCbor.encode({ name: 'x', n: 42, link: CID.parse(dir), list: [1, 'two'] })
    cbor = (await d.node.block.put(cborBytes, { format: 'dag-cbor' })).cid
    jsonBytes = dagJson.encode({ hello: 'world', link: CID.parse(dir) })
    json = (await d.node.block.put(jsonBytes, { format: 'dag-json' })).cid
    raw = (await d.node.block.put(enc('just bytes'))).cid
  })
  afterAll(async () => {
    await d?.stop()
  })

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${d.daemon.gatewayUrl}${path}`, { headers })
  const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer())

  it('dag-cbor and dag-json blocks as stored, transcoded to each other, and as plain cbor/json', async () => {
    for (const res of [await get(`/ipfs/${cbor}?format=dag-cbor`), await get(`/ipfs/${cbor}`)]) {
      expect(res.headers.get('content-type')).toBe('application/vnd.ipld.dag-cbor')
      expect(await bytesOf(res)).toEqual(cborBytes)
    }
    const asJson = await get(`/ipfs/${cbor}`, { Accept: 'application/vnd.ipld.dag-json' })
    expect(asJson.headers.get('content-type')).toBe('application/vnd.ipld.dag-json')
    expect(await bytesOf(asJson)).toEqual(dagJson.encode(dagCbor.decode(cborBytes)))
    const cborPlain = await get(`/ipfs/${cbor}`, { Accept: 'application/cbor' })
    expect(cborPlain.headers.get('content-type')).toBe('application/cbor')
    expect(await bytesOf(cborPlain)).toEqual(cborBytes)

    const jsonPlain = await get(`/ipfs/${json}?format=json`)
    expect(jsonPlain.headers.get('content-type')).toBe('application/json')
    expect(await bytesOf(jsonPlain)).toEqual(jsonBytes)
    const jsonToCbor = await get(`/ipfs/${json}?format=dag-cbor`)
    expect(await bytesOf(jsonToCbor)).toEqual(dagCbor.encode(dagJson.decode(jsonBytes)))
    const bare = await get(`/ipfs/${json}`)
    expect(bare.headers.get('content-type')).toBe('application/vnd.ipld.dag-json')
    expect(await bytesOf(bare)).toEqual(jsonBytes)
  })

  it('a UnixFS directory node as dag-json and dag-cbor (its dag-pb data model)', async () => {
    const block = await d.node.block.get(CID.parse(dir))
    const res = await get(`/ipfs/${dir}?format=dag-json`)
    expect(new TextDecoder().decode(await bytesOf(res))).toEqual(
      new TextDecoder().decode(dagJson.encode(dagPb.decode(block))),
    )
    const sub = await get(`/ipfs/${dir}/lib`, { Accept: 'application/vnd.ipld.dag-cbor' })
    const lib = (await Array.fromAsync(d.node.ls(dir))).find((e) => e.name === 'lib')!
    expect(await bytesOf(sub)).toEqual(dagCbor.encode(dagPb.decode(await d.node.block.get(CID.parse(lib.cid)))))
  })

  it('tar of a directory tree and of a file, as GNU tar extracts them', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'ipfrs-gw-tar-'))
    try {
      for (const [path, headers] of [
        [`/ipfs/${dir}?format=tar`, {}],
        [`/ipfs/${dir}`, { Accept: 'application/x-tar' }],
      ] as const) {
        const res = await get(path, headers)
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toBe('application/x-tar')
        expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${dir}.tar"`)
        const out = join(tmp, 'x')
        await rm(out, { recursive: true, force: true })
        await writeFile(join(tmp, 'a.tar'), await bytesOf(res))
        await promisify(execFile)('mkdir', ['-p', out])
        await promisify(execFile)('tar', ['-xf', join(tmp, 'a.tar'), '-C', out])
        expect(await readFile(join(out, dir, 'readme.txt'), 'utf8')).toBe('read me\n')
        expect((await readFile(join(out, dir, 'lib', 'data.bin'))).equals(Buffer.alloc(70_000, 3))).toBe(true)
      }
      const file = await get(`/ipfs/${dir}/readme.txt?format=tar`)
      expect(file.headers.get('content-disposition')).toBe('attachment; filename="readme.txt.tar"')
      await writeFile(join(tmp, 'f.tar'), await bytesOf(file))
      const { stdout } = await promisify(execFile)('tar', ['-xOf', join(tmp, 'f.tar'), 'readme.txt'])
      expect(stdout).toBe('read me\n')
    } finally {
      await rm(tmp, { recursive: true, force: true })
    }
  })

  it('formats a block cannot take are 406, unknown formats 400, each with its code', async () => {
    const cases: Array<[string, Record<string, string>, number, string]> = [
      [`/ipfs/${raw}?format=dag-json`, {}, 406, 'ERR_NOT_ACCEPTABLE'],
      [`/ipfs/${cbor}?format=json`, {}, 406, 'ERR_NOT_ACCEPTABLE'],
      [`/ipfs/${json}`, { Accept: 'application/cbor' }, 406, 'ERR_NOT_ACCEPTABLE'],
      [`/ipfs/${dir}?format=yaml`, {}, 400, 'ERR_INVALID_ARGUMENT'],
      [`/ipfs/${dir}/nope?format=dag-json`, {}, 404, 'ERR_PATH_NOT_FOUND'],
    ]
    for (const [path, headers, status, code] of cases) {
      const res = await get(path, headers)
      expect([path, res.status, res.headers.get('x-ipfrs-error-code')]).toEqual([path, status, code])
      await res.arrayBuffer()
    }
    expect(await (await get(`/ipfs/${dir}/readme.txt`)).text()).toBe('read me\n')
  })
})
