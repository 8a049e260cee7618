import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { cidOf } from '@ipfrs/core'
import { tempDir } from '@ipfrs/test-utils'
import { FsBlockstore } from 'blockstore-fs'
import { NextToLast } from 'blockstore-fs/sharding'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RepoFsBlockstore } from '../src/fs-blockstore.js'
import { collectBytes } from '../src/index.js'

describe('RepoFsBlockstore', () => {
  let dir: string
  let cleanup: () => Promise<void>
  const sharding = new NextToLast()
  beforeEach(async () => {
    ;({ dir, cleanup } = await tempDir())
  })
  afterEach(async () => cleanup())

  const block = async (text: string) => {
    const bytes = new TextEncoder().encode(text)
    return { cid: cidOf(bytes, 0x55), bytes }
  }

  it('writes the files blockstore-fs reads, and reads the files it writes', async () => {
    const ours = new RepoFsBlockstore(dir, { shardingStrategy: sharding })
    const stock = new FsBlockstore(dir, { shardingStrategy: sharding })
    const a = await block('written by ours')
    const b = await block('written by blockstore-fs')
    await ours.put(a.cid, a.bytes)
    await stock.put(b.cid, b.bytes)
    expect(await collectBytes(stock.get(a.cid))).toEqual(a.bytes)
    expect(await collectBytes(ours.get(b.cid))).toEqual(b.bytes)
    expect(await ours.has(a.cid)).toBe(true)
  })

  it('leaves no temp file, and concurrent puts of one block give one whole file', async () => {
    const ours = new RepoFsBlockstore(dir, { shardingStrategy: sharding })
    const a = await block('x'.repeat(300_000))
    await Promise.all(Array.from({ length: 8 }, () => ours.put(a.cid, a.bytes)))
    expect(await collectBytes(ours.get(a.cid))).toEqual(a.bytes)
    const shard = join(dir, sharding.encode(a.cid).dir)
    expect((await readdir(shard)).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('makes a shard directory again when it was removed after a write', async () => {
    const ours = new RepoFsBlockstore(dir, { shardingStrategy: sharding })
    const a = await block('first')
    await ours.put(a.cid, a.bytes)
    await rm(join(dir, sharding.encode(a.cid).dir), { recursive: true })
    await ours.put(a.cid, a.bytes)
    expect(await collectBytes(ours.get(a.cid))).toEqual(a.bytes)
  })

  it('reads blocks of every size back whole', async () => {
    const ours = new RepoFsBlockstore(dir, { shardingStrategy: sharding })
    for (const size of [0, 1, 65_536, 262_144, 1_048_577]) {
      const bytes = new Uint8Array(size).map((_, i) => (i * 31 + size) & 0xff)
      const cid = cidOf(bytes, 0x55)
      await ours.put(cid, bytes)
      expect(await collectBytes(ours.get(cid))).toEqual(bytes)
    }
  })

  it('a missing block is a NotFoundError', async () => {
    const ours = new RepoFsBlockstore(dir, { shardingStrategy: sharding })
    const a = await block('never written')
    await expect(collectBytes(ours.get(a.cid))).rejects.toMatchObject({ name: 'NotFoundError' })
  })
})
