/**
 * Knowledge-base snapshots in a repo: the KB's pack blocks in the blockstore (pinned), and the root CID of the
 * current snapshot in `<repo>/tensorlogic/root`, written atomically.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type CID, isIpfrsError, parseCid } from '@ipfrs/core'
import type { Repo } from '@ipfrs/storage'
import type { KbStats, KnowledgeBase } from '@ipfrs/tensorlogic'

/** A snapshot's recorded counts. */
export type LogicCounts = KbStats

/** Where a node's KB snapshots are kept: blocks in the repo, the current root in a file. Not serialised itself. */
export class LogicSnapshots {
  readonly #repo: Repo

  constructor(repo: Repo) {
    this.#repo = repo
  }

  /** Where the root CID of the last snapshot is kept. */
  get rootFile(): string {
    return join(this.#repo.path, 'tensorlogic', 'root')
  }

  /**
   * Stores `kb`'s snapshot blocks (those not stored already: saves are incremental) and pins the root, all under the
   * shared GC lock; returns the root.
   */
  write(kb: KnowledgeBase): Promise<CID> {
    const repo = this.#repo
    return repo.gcLock.shared(async () => {
      // pack blocks already stored (by an earlier snapshot) are not written again: saves are incremental;
      // up to 32 block writes run at once, all finished (or the first failure thrown) before the pin
      const writes = new Set<Promise<void>>()
      let failure: unknown
      const cid = await kb.snapshot({
        put: async (c, bytes) => {
          while (writes.size >= 32) await Promise.race(writes)
          const w: Promise<void> = (async () => {
            if (!(await repo.blockstore.has(c))) await repo.blockstore.put(c, bytes)
          })()
            .catch((err: unknown) => {
              failure ??= err
            })
            .finally(() => writes.delete(w))
          writes.add(w)
          return c
        },
      })
      await Promise.all(writes)
      if (failure !== undefined) throw failure
      await repo.pins.add(cid, { complete: true })
      return cid
    })
  }

  /** Unpins an earlier snapshot's root (already unpinned, or not a CID: nothing to do). */
  async unpin(root: string): Promise<void> {
    await this.#repo.pins.rm(parseCid(root)).catch((err: unknown) => {
      if (!isIpfrsError(err, 'ERR_NOT_PINNED') && !isIpfrsError(err, 'ERR_INVALID_CID')) throw err
    })
  }

  /** Reads the KB snapshot at `root`, every block hash-checked and validated (see `KnowledgeBase.restore`). */
  async read(root: string): Promise<KnowledgeBase> {
    const { KnowledgeBase } = await import('@ipfrs/tensorlogic') // the solver, loaded when there is a KB to restore
    return KnowledgeBase.restore(this.#repo.blockstore, parseCid(root))
  }

  /** The KB counts recorded in the snapshot's root block (read alone), or undefined for a root without them. */
  async counts(root: string): Promise<LogicCounts | undefined> {
    const { KnowledgeBase } = await import('@ipfrs/tensorlogic')
    return KnowledgeBase.snapshotCounts(this.#repo.blockstore, parseCid(root))
  }

  /** The root CID in the root file, or undefined when there is none (or it is empty). */
  async readRootFile(): Promise<string | undefined> {
    try {
      const text = (await readFile(this.rootFile, 'utf8')).trim()
      return text === '' ? undefined : text
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  /** Replaces the root file's content with `root`, atomically (a temp file, fsynced, then renamed). */
  async writeRootFile(root: string): Promise<void> {
    const dir = join(this.#repo.path, 'tensorlogic')
    await mkdir(dir, { recursive: true })
    const tmp = join(dir, `.root.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
    try {
      const fh = await open(tmp, 'w')
      try {
        await fh.writeFile(`${root}\n`)
        await fh.sync()
      } finally {
        await fh.close()
      }
      await rename(tmp, this.rootFile)
    } catch (err) {
      await rm(tmp, { force: true })
      throw err
    }
  }
}
