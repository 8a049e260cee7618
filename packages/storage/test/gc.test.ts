import { utimes } from 'node:fs/promises'
import { type CID, cidOf, encodeBlock } from '@ipfrs/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BlockNotFoundError, blockKey, NotPinnedError, type Repo } from '../src/index.js'
import { tempRepo } from './helpers.js'

describe('pins and OrphanGarbageCollector', () => {
  let repo: Repo
  let close: () => Promise<void>
  beforeEach(async () => {
    ;({ repo, close } = await tempRepo())
  })
  afterEach(() => close())

  const putRaw = async (text: string): Promise<CID> => {
    const bytes = new TextEncoder().encode(text)
    const cid = cidOf(bytes, 0x55)
    await repo.blockstore.put(cid, bytes)
    return cid
  }
  const putCbor = async (value: unknown): Promise<CID> => {
    const block = encodeBlock(value, 'dag-cbor')
    await repo.blockstore.put(block.cid, block.bytes)
    return block.cid
  }
  const age = async (cid: CID, seconds: number) => {
    const when = new Date(Date.now() - seconds * 1000)
    await utimes(repo.blockFile(cid), when, when)
  }
  const has = (cid: CID) => repo.blockstore.has(cid)

  it('removes only blocks no pin reaches; dry run removes nothing', async () => {
    const leaf1 = await putRaw('leaf one')
    const leaf2 = await putRaw('leaf two')
    const root = await putCbor({ children: [leaf1, { nested: leaf2 }] })
    const direct = await putRaw('direct')
    const orphan = await putRaw('orphan')
    const orphanParent = await putCbor({ child: direct })
    await repo.pins.add(root)
    await repo.pins.add(direct, { recursive: false })

    const dry = await repo.gc.run({ dryRun: true })
    expect(dry.removed.map(blockKey).sort()).toEqual([orphan, orphanParent].map(blockKey).sort())
    expect(await has(orphan)).toBe(true)

    const real = await repo.gc.run()
    expect(real.removed.map(blockKey).sort()).toEqual([orphan, orphanParent].map(blockKey).sort())
    expect(real.pinned).toBe(4)
    for (const cid of [leaf1, leaf2, root, direct]) expect(await has(cid)).toBe(true)
    expect(await has(orphan)).toBe(false)
  })

  it('--min-age spares young blocks', async () => {
    const old = await putRaw('old orphan')
    const young = await putRaw('young orphan')
    await age(old, 3600)
    const result = await repo.gc.run({ minAgeSeconds: 60 })
    expect(result.removed.map(blockKey)).toEqual([blockKey(old)])
    expect(result.tooYoung).toBe(1)
    expect(await has(young)).toBe(true)
  })

  it('never sweeps a DAG while its add holds the GC lock', async () => {
    let release!: () => void
    const adding = repo.gcLock.shared(async () => {
      const leaf = await putRaw('being added')
      await new Promise<void>((resolve) => {
        release = resolve
      })
      const root = await putCbor({ leaf })
      await repo.pins.add(root)
      return { leaf, root }
    })
    await new Promise((r) => setTimeout(r, 20))
    const gc = repo.gc.run()
    await new Promise((r) => setTimeout(r, 20))
    release()
    const { leaf, root } = await adding
    const result = await gc
    expect(result.removed).toEqual([])
    expect(await has(leaf)).toBe(true)
    expect(await has(root)).toBe(true)
  })

  it('pin add needs the whole DAG; pin ls lists recursive, direct and indirect', async () => {
    const leaf = await putRaw('present')
    const missing = cidOf(new TextEncoder().encode('never stored'), 0x55)
    const partial = await putCbor({ a: leaf, b: missing })
    await expect(repo.pins.add(partial)).rejects.toBeInstanceOf(BlockNotFoundError)
    expect(await repo.pins.type(partial)).toBeUndefined()

    const root = await putCbor({ a: leaf })
    await repo.pins.add(root)
    await repo.pins.add(leaf, { recursive: false })
    const all = []
    for await (const p of repo.pins.ls()) all.push(`${blockKey(p.cid)}:${p.type}`)
    expect(all.sort()).toEqual([`${blockKey(root)}:recursive`, `${blockKey(leaf)}:direct`].sort())

    await repo.pins.rm(leaf)
    const indirect = []
    for await (const p of repo.pins.ls({ type: 'indirect' })) indirect.push(blockKey(p.cid))
    expect(indirect).toEqual([blockKey(leaf)])
    await expect(repo.pins.rm(leaf)).rejects.toBeInstanceOf(NotPinnedError)
  })
})
