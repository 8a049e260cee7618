import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { type CID, cidOf, encodeBlock } from '@ipfrs/core'
import { tempDir } from '@ipfrs/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { blockKey, OrphanGarbageCollector, Repo } from '../src/index.js'

/** A promise with its resolve, to hold one side of a race at a chosen point. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void
  const wait = new Promise<void>((resolve) => {
    open = resolve
  })
  return { wait, open }
}

/** Whether `p` settles once pending I/O and timers have had a turn (it is not waiting on something we hold). */
async function settlesSoon(p: Promise<unknown>): Promise<boolean> {
  let settled = false
  void p.then(
    () => {
      settled = true
    },
    () => {
      settled = true
    },
  )
  for (let i = 0; i < 50 && !settled; i++) await new Promise((r) => setTimeout(r, 10))
  return settled
}

describe('GC alongside writes (per-block GC lock)', () => {
  let repo: Repo
  let dir: string
  let cleanup: () => Promise<void>
  beforeEach(async () => {
    ;({ dir, cleanup } = await tempDir())
    await Repo.init(dir)
    repo = await Repo.open(dir)
  })
  afterEach(async () => {
    await repo.close()
    await cleanup()
  })

  const raw = (text: string) => {
    const bytes = new TextEncoder().encode(text)
    return { cid: cidOf(bytes, 0x55), bytes }
  }
  const putRaw = async (text: string): Promise<CID> => {
    const { cid, bytes } = raw(text)
    await repo.blockstore.put(cid, bytes)
    return cid
  }
  const putCbor = async (value: unknown): Promise<CID> => {
    const block = encodeBlock(value, 'dag-cbor')
    await repo.blockstore.put(block.cid, block.bytes)
    return block.cid
  }
  const has = (cid: CID) => repo.blockstore.has(cid)
  /** A collector over the repo's own pins, lock and files, with hooks to stop it at chosen points. */
  const collector = (hooks: { beforeList?: Promise<void>; beforeDelete?: Promise<void> }) =>
    new OrphanGarbageCollector({
      blockstore: {
        delete: async (cid, options) => {
          await hooks.beforeDelete
          await repo.files.delete(cid, options)
        },
      },
      blockKeys: async function* () {
        await hooks.beforeList
        yield* repo.blockKeys()
      },
      pins: repo.pins,
      lock: repo.gcLock,
      blockAgeSeconds: async () => 1e9,
    })

  it('runs to the end while an add is half done, and spares the blocks that add wrote', async () => {
    const paused = gate()
    const wrote = gate()
    const adding = repo.gcLock.shared(async () => {
      const leaf = await putRaw('being added')
      wrote.open()
      await paused.wait
      const root = await putCbor({ leaf })
      await repo.pins.add(root, { complete: true })
      return { leaf, root }
    })
    await wrote.wait
    const orphan = await putRaw('a real orphan')
    // the add is parked mid-upload: GC must not wait for it
    const gc = repo.gc.run()
    expect(await settlesSoon(gc)).toBe(true)
    const result = await gc
    expect(result.removed.map(blockKey)).toEqual([blockKey(orphan)])
    expect(result.inFlight).toBe(1)
    paused.open()
    const { leaf, root } = await adding
    expect(await has(leaf)).toBe(true)
    expect(await has(root)).toBe(true)
    expect((await repo.gc.run()).removed).toEqual([]) // pinned now
  })

  it('keeps a DAG whose pin is written after the sweep read the pins', async () => {
    const list = gate()
    const written = gate()
    const pin = gate()
    const adding = repo.gcLock.shared(async () => {
      const leaf = await putRaw('leaf of a late pin')
      const root = await putCbor({ leaf })
      written.open()
      await pin.wait
      await repo.pins.add(root, { complete: true })
      return { leaf, root }
    })
    await written.wait
    const gc = collector({ beforeList: list.wait }).run() // reads the pins (none yet), then waits to list blocks
    await new Promise((r) => setTimeout(r, 20))
    pin.open()
    const { leaf, root } = await adding // the session has ended: nothing is in flight any more
    expect(repo.gcLock.inFlight).toBe(0)
    list.open()
    expect((await gc).removed).toEqual([])
    expect(await has(leaf)).toBe(true)
    expect(await has(root)).toBe(true)
  })

  it('a put of a block GC is deleting waits for the delete, then writes it again (dedup)', async () => {
    const cid = await putRaw('already on disk, unpinned')
    const deleting = gate()
    const gc = collector({ beforeDelete: deleting.wait }).run()
    while (repo.gcLock.holds(blockKey(cid)) === false) await new Promise((r) => setTimeout(r, 2)) // claimed
    const { bytes } = raw('already on disk, unpinned')
    const adding = repo.gcLock.shared(async () => {
      await repo.blockstore.put(cid, bytes)
      await repo.pins.add(cid, { recursive: false, complete: true })
    })
    expect(await settlesSoon(adding)).toBe(false) // waits for the delete in progress
    deleting.open()
    expect((await gc).removed.map(blockKey)).toEqual([blockKey(cid)])
    await adding
    expect(await has(cid)).toBe(true) // written again after the delete
    expect((await repo.gc.run()).removed).toEqual([])
    expect(await has(cid)).toBe(true)
  })

  it('pin add racing a delete either pins a whole DAG or fails; never a pin over a missing block', async () => {
    const leaf = await putRaw('unpinned leaf')
    const root = await putCbor({ leaf })
    const deleting = gate()
    const gc = collector({ beforeDelete: deleting.wait }).run()
    while (!repo.gcLock.holds(blockKey(leaf)) && !repo.gcLock.holds(blockKey(root)))
      await new Promise((r) => setTimeout(r, 2))
    const pinning = repo.gcLock.shared(() => repo.pins.add(root))
    deleting.open()
    const outcome = await pinning.then(
      () => 'pinned',
      (err: { code?: string }) => err.code,
    )
    await gc
    if (outcome === 'pinned') {
      expect(await has(leaf)).toBe(true)
      expect(await has(root)).toBe(true)
    } else {
      expect(outcome).toBe('ERR_BLOCK_NOT_FOUND')
      expect(await repo.pins.type(root)).toBeUndefined()
    }
  })

  it('work a session started but did not wait for holds nothing once the session is over', async () => {
    const late = gate()
    let straggler: Promise<unknown> | undefined
    await repo.gcLock.shared(async () => {
      await putRaw('written in the session')
      straggler = (async () => {
        await late.wait
        await putRaw('written after the session ended')
        await has(cidOf(new TextEncoder().encode('looked up late'), 0x55))
      })()
    })
    expect(repo.gcLock.inFlight).toBe(0)
    late.open()
    await straggler
    expect(repo.gcLock.inFlight).toBe(0)
    expect((await repo.gc.run()).removed.length).toBe(2)
  })

  it('a block put while GC runs (outside any session) survives that run', async () => {
    const list = gate()
    const gc = collector({ beforeList: list.wait }).run()
    await new Promise((r) => setTimeout(r, 20))
    const cid = await putRaw('written during the sweep')
    list.open()
    expect((await gc).removed).toEqual([])
    expect(await has(cid)).toBe(true)
    expect((await repo.gc.run()).removed.map(blockKey)).toEqual([blockKey(cid)]) // unpinned: the next run takes it
  })
})

describe('temp files of block writes cut short', () => {
  it('are removed when the repo opens, not counted in RepoSize, and removed by GC once old', async () => {
    const { dir, cleanup } = await tempDir()
    try {
      await Repo.init(dir)
      let repo = await Repo.open(dir)
      const bytes = new TextEncoder().encode('a block')
      const cid = cidOf(bytes, 0x55)
      await repo.blockstore.put(cid, bytes)
      const tmpFor = async (text: string) => {
        const path = repo.blockFile(cidOf(new TextEncoder().encode(text), 0x55))
        await mkdir(dirname(path), { recursive: true })
        return join(dirname(path), `.${basename(path)}.tmp`)
      }
      const before = (await repo.stat()).RepoSize
      // what steno leaves when the process dies between write and rename
      await writeFile(await tmpFor('left over'), new Uint8Array(100_000))
      expect((await repo.stat()).RepoSize).toBe(before)
      expect((await repo.stat()).NumObjects).toBe(1)
      await repo.close()

      repo = await Repo.open(dir)
      const temps = async () =>
        (await readdir(join(dir, 'blocks'), { recursive: true }))
          .filter((f) => f.endsWith('.tmp'))
          .map((f) => basename(f))
      expect(await temps()).toEqual([])
      expect((await repo.verify()).problems).toEqual([])

      // while open: GC spares a young temp file (a write may be renaming it) and removes an old one
      const young = await tmpFor('young')
      const old = await tmpFor('old')
      await writeFile(young, 'x')
      await writeFile(old, 'x')
      const hourAgo = new Date(Date.now() - 3600_000)
      await utimes(old, hourAgo, hourAgo)
      const result = await repo.gc.run()
      expect(result.tempFilesRemoved).toBe(1)
      expect(await temps()).toEqual([basename(young)])
      await repo.close()
    } finally {
      await cleanup()
    }
  })
})
