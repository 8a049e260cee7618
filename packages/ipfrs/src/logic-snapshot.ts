/**
 * Knowledge-base snapshots in a repo: the KB's clause blocks in the blockstore (pinned), and the root CID of the
 * current snapshot in `<repo>/tensorlogic/root`, written atomically.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { blockLinks, type CID, isIpfrsError, parseCid } from '@ipfrs/core'
import type { Repo } from '@ipfrs/storage'
import type { KnowledgeBase } from '@ipfrs/tensorlogic'

/**
 * Reads every block reachable from `root` (32 at a time) into memory and serves them, falling back to `bs` for what
 * could not be read, so a restore does not wait for one file read per clause in turn. Verification stays with the
 * decoder, which hash-checks every block it is given.
 */
async function prefetched(bs: Repo['blockstore'], root: CID): Promise<Pick<Repo['blockstore'], 'get'>> {
  const cache = new Map<string, Uint8Array>()
  const seen = new Set<string>()
  const queue: CID[] = [root]
  for (let at = 0; at < queue.length; at += 32) {
    const batch = queue.slice(at, at + 32).filter((c) => !seen.has(c.toString()))
    for (const c of batch) seen.add(c.toString())
    const links = await Promise.all(
      batch.map(async (cid) => {
        try {
          const parts: Uint8Array[] = []
          for await (const p of bs.get(cid)) parts.push(p)
          const bytes = new Uint8Array(Buffer.concat(parts))
          cache.set(cid.toString(), bytes)
          return [...blockLinks(cid, bytes)]
        } catch {
          return [] // missing or undecodable: the restore itself reports it
        }
      }),
    )
    for (const l of links) for (const c of l) queue.push(c)
  }
  return {
    get: (cid, options) => {
      const bytes = cache.get(cid.toString())
      if (bytes === undefined) return bs.get(cid, options)
      return (async function* () {
        yield bytes
      })()
    },
  } as Pick<Repo['blockstore'], 'get'>
}

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
      // clause blocks already stored (by an earlier snapshot) are not written again: saves are incremental;
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
    return KnowledgeBase.restore(await prefetched(this.#repo.blockstore, parseCid(root)), parseCid(root))
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
