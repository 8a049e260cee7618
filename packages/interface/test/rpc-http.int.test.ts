import { encode, prepare } from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KuboError, rpc, startDaemon, type TestDaemon } from './helpers.js'

describe('RPC API over plain HTTP: status codes, Kubo error bodies, bad input', () => {
  let d: TestDaemon
  beforeAll(async () => {
    d = await startDaemon({
      configure: (c) => {
        c.Routing = { Type: 'none' } as never
      },
    })
  })
  afterAll(async () => {
    await d?.stop()
  })

  const stillWorks = async () => expect((await rpc(d, 'version')).status).toBe(200)

  it('400 with {Message, Code, Type} and the stable code for a malformed CID', async () => {
    const res = await rpc(d, 'cat', { query: 'arg=not-a-cid' })
    expect(res.status).toBe(400)
    expect(res.headers.get('x-ipfrs-error-code')).toBe('ERR_INVALID_CID')
    const body = await res.json()
    expect(body).toEqual({ Message: expect.stringContaining('invalid CID'), Code: 1, Type: 'error' })
    await stillWorks()
  })

  it('400 for a missing argument and for a bad option value', async () => {
    expect((await rpc(d, 'cat')).status).toBe(400)
    expect((await rpc(d, 'pin/ls', { query: 'type=everything' })).status).toBe(400)
    expect(
      (await rpc(d, 'cat', { query: 'arg=QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN&offset=-3' })).status,
    ).toBe(400)
    const hello = (await d.node.addBytes(new TextEncoder().encode('hello\n'))).cid.toString()
    const past = await rpc(d, 'cat', { query: `arg=${hello}&offset=7` })
    expect(past.status).toBe(400)
    expect(((await past.json()) as KuboError).Message).toContain('past the end')
    const atEnd = await rpc(d, 'cat', { query: `arg=${hello}&offset=6` })
    expect([atEnd.status, await atEnd.text()]).toEqual([200, ''])
    await stillWorks()
  })

  it('404 for an unknown command, 405 for GET, 404 (ERR_BLOCK_NOT_FOUND) for a block that is not there', async () => {
    const unknown = await rpc(d, 'no/such/command')
    expect(unknown.status).toBe(404)
    expect(((await unknown.json()) as KuboError).Type).toBe('error')
    const get = await fetch(`${d.daemon.apiUrl}/api/v0/version`)
    expect(get.status).toBe(405)
    const missing = await rpc(d, 'block/get', {
      query: 'arg=bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    })
    expect(missing.status).toBe(404)
    expect(missing.headers.get('x-ipfrs-error-code')).toBe('ERR_BLOCK_NOT_FOUND')
    await stillWorks()
  })

  it('413 for an oversized body on a non-upload command, 431 for oversized headers', async () => {
    const big = await rpc(d, 'version', { body: new Uint8Array(5 * 1024 * 1024) })
    expect(big.status).toBe(413)
    const huge = await fetch(`${d.daemon.apiUrl}/api/v0/version`, {
      method: 'POST',
      headers: { 'X-Big': 'x'.repeat(20_000) },
    })
    expect(huge.status).toBe(431)
    await stillWorks()
  })

  it('400 for block bytes that do not decode with the codec claimed', async () => {
    const res = await rpc(d, 'block/put', {
      query: 'cid-codec=dag-pb',
      body: form('b', 'not protobuf'),
      headers: formHeaders,
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('x-ipfrs-error-code')).toBe('ERR_BLOCK_DECODE')
    await stillWorks()
  })

  it('rejects malformed multipart uploads with 400 and stores nothing', async () => {
    const before = ((await (await rpc(d, 'repo/stat')).json()) as { NumObjects: number }).NumObjects
    const notMultipart = await rpc(d, 'add', { body: 'plain text', headers: { 'Content-Type': 'text/plain' } })
    expect(notMultipart.status).toBe(400)
    const broken = await rpc(d, 'add', {
      body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nunterminated',
      headers: { 'Content-Type': 'multipart/form-data; boundary=xyz' },
    })
    expect(broken.status).toBe(400)
    expect(await broken.json()).toMatchObject({ Message: expect.stringContaining('malformed multipart'), Code: 1 })
    const noFinalBoundary = await rpc(d, 'add', {
      body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\ncomplete part\r\n',
      headers: { 'Content-Type': 'multipart/form-data; boundary=xyz' },
    })
    expect(noFinalBoundary.status).toBe(400)
    const badHeader = await rpc(d, 'add', {
      body: '--xyz\r\nnot a header line\r\n',
      headers: { 'Content-Type': 'multipart/form-data; boundary=xyz' },
    })
    expect(badHeader.status).toBe(400)
    const noBoundary = await rpc(d, 'add', { body: 'x', headers: { 'Content-Type': 'multipart/form-data' } })
    expect(noBoundary.status).toBe(400)
    expect(((await (await rpc(d, 'repo/stat')).json()) as { NumObjects: number }).NumObjects).toBe(before)
    await stillWorks()
  })

  it('add refuses ".", "..", empty names, backslash and NUL in part names with 400 ERR_UNSAFE_PATH, storing nothing', async () => {
    const state = async () => [
      ((await (await rpc(d, 'repo/stat')).json()) as { NumObjects: number }).NumObjects,
      ((await (await rpc(d, 'pin/ls')).json()) as { Keys: unknown }).Keys,
    ]
    await (await rpc(d, 'repo/gc')).text() // start from a repo holding only pinned blocks
    const before = await state()
    // file names as Kubo's clients send them: URI-encoded paths, so %00 is a NUL and %5C a backslash
    for (const name of ['..', '.', 'dir/..', 'dir/./x', 'dir//x', 'a%00b', 'dir/a%00b', 'a%5Cb', '%2F%2F']) {
      const res = await rpc(d, 'add', { body: multipart([[name, 'bad']]), headers: formHeaders })
      expect([name, res.status, res.headers.get('x-ipfrs-error-code')]).toEqual([name, 400, 'ERR_UNSAFE_PATH'])
      expect(await res.json()).toMatchObject({ Code: 1, Type: 'error' })
    }
    // a directory part with a bad name, and a bad name after a good directory entry
    const dirPart = await rpc(d, 'add', { body: multipart([['x/..', null]]), headers: formHeaders })
    expect(dirPart.status).toBe(400)
    const mixed = await rpc(d, 'add', {
      body: multipart([
        ['top', null],
        ['top/..', 'escapes'],
      ]),
      headers: formHeaders,
    })
    expect(mixed.status).toBe(400)
    expect(await state()).toEqual(before)
    // a good file read before the bad name: nothing is pinned, and gc removes what the file left
    const late = await rpc(d, 'add', {
      body: multipart([
        ['top/fine.txt', 'a file read before the bad name'],
        ['top/a%00b', 'bad'],
      ]),
      headers: formHeaders,
    })
    expect(late.status).toBe(400)
    expect((await state())[1]).toEqual(before[1])
    await (await rpc(d, 'repo/gc')).text()
    expect(await state()).toEqual(before)
    // the same upload with safe names is stored
    const good = await rpc(d, 'add', {
      body: multipart([
        ['top', null],
        ['top/a..b', 'fine'],
      ]),
      headers: formHeaders,
    })
    expect(good.status).toBe(200)
    expect(
      (await good.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).Name),
    ).toEqual(['top/a..b', 'top'])
    await stillWorks()
  })

  it('refuses a get of a tree whose names could escape the target directory', async () => {
    // a dag-pb directory with an entry named ".." cannot come from an add; build it as blocks
    const file = (await (await rpc(d, 'add', { body: form('x', 'evil\n'), headers: formHeaders })).json()) as {
      Hash: string
    }
    const dir = encode(
      prepare({
        Data: new UnixFS({ type: 'directory' }).marshal(),
        Links: [{ Name: '..', Hash: CID.parse(file.Hash), Tsize: 14 }],
      }),
    )
    const put = (await (
      await rpc(d, 'block/put', { query: 'cid-codec=dag-pb', body: formBytes('b', dir), headers: formHeaders })
    ).json()) as { Key: string }
    const res = await rpc(d, 'get', { query: `arg=${put.Key}` })
    await expect(res.arrayBuffer()).rejects.toThrow()
    await stillWorks()
  })
})

const BOUNDARY = 'ipfrs-test-boundary'
const formHeaders = { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` }
function formBytes(name: string, bytes: Uint8Array): Uint8Array {
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ])
}
function form(name: string, text: string): Uint8Array {
  return formBytes(name, Buffer.from(text))
}
/** A multipart body of files (text) and directories (null), in order, as Kubo's clients build it. */
function multipart(parts: Array<[string, string | null]>): Uint8Array {
  const pieces = parts.map(([name, text]) =>
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${
        text == null ? 'application/x-directory' : 'application/octet-stream'
      }\r\n\r\n${text ?? ''}\r\n`,
    ),
  )
  return Buffer.concat([...pieces, Buffer.from(`--${BOUNDARY}--\r\n`)])
}
