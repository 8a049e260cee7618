import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cidOf, formatCid } from '@ipfrs/core'
import { collect, tempDir } from '@ipfrs/test-utils'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createNode, type Node } from '../src/index.js'
import { tempNode, vectorBytes } from './helpers.js'

describe('Node (offline)', () => {
  let node: Node
  let dir: string
  let cleanup: () => Promise<void>
  beforeEach(async () => {
    ;({ node, dir, cleanup } = await tempNode())
  })
  afterEach(async () => cleanup())

  it('cat with offset and length, ls and typed errors for paths', async () => {
    const { cid } = await node.addBytes(new TextEncoder().encode('0123456789'))
    expect(new TextDecoder().decode(await collect(node.cat(cid, { offset: 3, length: 4 })))).toBe('3456')
    const root = [] as string[]
    for await (const r of node.addAll([
      {
        path: 'd/a.txt',
        content: (async function* () {
          yield new TextEncoder().encode('A')
        })(),
      },
      {
        path: 'd/b/c.txt',
        content: (async function* () {
          yield new TextEncoder().encode('C')
        })(),
      },
    ])) {
      root.push(formatCid(r.cid))
    }
    const d = root.at(-1)!
    expect(new TextDecoder().decode(await collect(node.cat(`${d}/b/c.txt`)))).toBe('C')
    expect(new TextDecoder().decode(await collect(node.cat(`/ipfs/${d}/a.txt`)))).toBe('A')
    const names = []
    for await (const e of node.ls(d)) names.push(`${e.name}:${e.type}`)
    expect(names).toEqual(['a.txt:file', 'b:directory'])
    await expect(collect(node.cat(d))).rejects.toMatchObject({ code: 'ERR_NOT_A_FILE' })
    await expect(collect(node.cat(`${d}/nope`))).rejects.toMatchObject({ code: 'ERR_PATH_NOT_FOUND' })
    await expect(collect(node.cat('QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN'))).rejects.toMatchObject({
      code: 'ERR_BLOCK_NOT_FOUND',
    })
    await expect(collect(node.cat('Qmnot-a-cid'))).rejects.toMatchObject({ code: 'ERR_INVALID_CID' })
  })

  it('get refuses a directory entry that would escape the output folder', async () => {
    const file = await node.addBytes(new TextEncoder().encode('payload'))
    const evil = dagPb.encode(
      dagPb.prepare({
        Data: new UnixFS({ type: 'directory' }).marshal(),
        Links: [{ Name: '..', Hash: file.cid, Tsize: 15 }],
      }),
    )
    const evilCid = await node.block.put(evil, { format: 'dag-pb' })
    const out = join(dir, 'out')
    await expect(node.get(evilCid.cid, out)).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' })
    expect(await readdir(dir)).not.toContain('payload')
  })

  it('GC while a large add runs never removes the add’s blocks', async () => {
    const size = 24 * 1024 * 1024
    const adding = node.addFile(vectorBytes(size, 13, 5, 256 * 1024))
    const gcs = []
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 15))
      gcs.push(node.gc())
    }
    const { cid } = await adding
    for (const gc of await Promise.all(gcs)) {
      expect(gc.removed).toEqual([])
    }
    const after = await node.gc()
    expect(after.removed).toEqual([])
    expect((await node.repoVerify()).problems).toEqual([])
    let total = 0
    for await (const chunk of node.cat(cid)) total += chunk.byteLength
    expect(total).toBe(size)
  })

  it('block put verifies codec bytes; block rm refuses pinned blocks', async () => {
    await expect(node.block.put(new Uint8Array([0xff, 0x00]), { format: 'dag-cbor' })).rejects.toThrow()
    const { cid } = await node.addBytes(new TextEncoder().encode('pinned content'))
    await expect(node.block.rm([cid])).rejects.toMatchObject({ code: 'ERR_BLOCK_PINNED' })
    await node.pin.rm(cid)
    expect((await node.block.rm([cid])).map(String)).toEqual([cid.toString()])
    await expect(node.block.rm([cid])).rejects.toMatchObject({ code: 'ERR_BLOCK_NOT_FOUND' })
    expect(await node.block.rm([cid], { force: true })).toEqual([])
  })

  it('a repo keeps blocks written under every compression setting readable', async () => {
    const path = node.repo.path
    const written = []
    written.push(await node.addBytes(new TextEncoder().encode('none '.repeat(2000))))
    await node.stop()
    for (const algorithm of ['zstd', 'lz4', 'snappy'] as const) {
      const n = createNode({ repoPath: path })
      await n.start()
      await n.repo.saveConfig({ ...n.repo.config, Compression: { ...n.repo.config.Compression, Algorithm: algorithm } })
      await n.stop()
      await n.start()
      written.push(await n.addBytes(new TextEncoder().encode(`${algorithm} `.repeat(2000))))
      await n.stop()
    }
    const reader = createNode({ repoPath: path })
    await reader.start()
    try {
      for (const [i, w] of written.entries()) {
        const text = new TextDecoder().decode(await collect(reader.cat(w.cid)))
        expect(text).toBe(`${['none', 'zstd', 'lz4', 'snappy'][i]} `.repeat(2000))
      }
      expect((await reader.repoVerify()).problems).toEqual([])
    } finally {
      await reader.stop()
      await node.start() // so the shared cleanup has a started node to stop
    }
  })
})

describe('encrypted node', () => {
  it('round-trips, refuses a wrong passphrase before reading anything, and detects tampering', async () => {
    const { dir, cleanup } = await tempDir()
    const repoPath = join(dir, 'repo')
    try {
      const node = createNode({
        repoPath,
        passphrase: 'correct horse',
        init: { config: { Encryption: { Enabled: true } } },
      })
      await node.start()
      const secret = new TextEncoder().encode('top secret content '.repeat(100))
      const { cid } = await node.addBytes(secret)
      await node.stop()

      // no plaintext on disk
      for (const shard of await readdir(join(repoPath, 'blocks'))) {
        for (const f of await readdir(join(repoPath, 'blocks', shard))) {
          expect(Buffer.from(await readFile(join(repoPath, 'blocks', shard, f))).includes('top secret')).toBe(false)
        }
      }
      await expect(createNode({ repoPath, passphrase: 'wrong' }).start()).rejects.toMatchObject({
        code: 'ERR_WRONG_KEY',
      })
      await expect(createNode({ repoPath }).start()).rejects.toMatchObject({ code: 'ERR_PASSPHRASE_REQUIRED' })

      const again = createNode({ repoPath, passphrase: 'correct horse' })
      await again.start()
      try {
        expect(await collect(again.cat(cid))).toEqual(secret)
        const { writeFile } = await import('node:fs/promises')
        const file = again.repo.blockFile(cid)
        const bytes = await readFile(file)
        bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 1
        await writeFile(file, bytes)
        await expect(collect(again.cat(cid))).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' })
        const verify = await again.repoVerify()
        expect(verify.problems.map((p) => p.code)).toEqual(['ERR_DECRYPTION_FAILED'])
        expect(await readFile(file)).toEqual(bytes) // reading never rewrites
      } finally {
        await again.stop()
      }
    } finally {
      await cleanup()
    }
  })
})

it('cidOf agrees with what add stores for a raw leaf', async () => {
  const { node, cleanup } = await tempNode()
  try {
    const bytes = new TextEncoder().encode('x')
    const { cid } = await node.addBytes(bytes, { cidVersion: 1 })
    expect(cid.toString()).toBe(cidOf(bytes, 0x55).toString())
  } finally {
    await cleanup()
  }
})
