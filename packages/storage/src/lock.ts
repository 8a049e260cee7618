import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { RepoLockedError } from './errors.js'

/** The lock file's name inside a repo. */
export const LOCK_FILE = 'repo.lock'

/**
 * The repo's writer lock: a `repo.lock` file holding the owner's PID, created exclusively. A lock left by a process
 * that no longer runs (killed with -9, say) is stale and is taken over. The LevelDB datastore's own OS-level lock
 * backs this up; this file exists so the second process gets an error that names the holder.
 */
/** Locks this process holds, released together if it exits without closing its repos (one listener for all). */
const held = new Set<RepoLock>()
let exitHookInstalled = false

function releaseOnExit(lock: RepoLock): void {
  held.add(lock)
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const l of held) l.release()
  })
}

export class RepoLock {
  readonly file: string
  #held = false

  private constructor(file: string) {
    this.file = file
  }

  /** Takes the lock of the repo at `repoPath`; throws `RepoLockedError` (`ERR_REPO_LOCKED`) while a live process holds it. */
  static acquire(repoPath: string): RepoLock {
    const lock = new RepoLock(join(repoPath, LOCK_FILE))
    for (let attempt = 0; attempt < 3; attempt++) {
      if (lock.#tryCreate()) {
        lock.#held = true
        releaseOnExit(lock)
        return lock
      }
      const holder = readHolder(lock.file)
      if (holder !== undefined && holder !== process.pid && isAlive(holder)) throw new RepoLockedError(repoPath, holder)
      // stale (or unreadable, i.e. its writer died mid-write): remove it and try again
      try {
        unlinkSync(lock.file)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      }
    }
    throw new RepoLockedError(repoPath, readHolder(lock.file) ?? -1)
  }

  /** The PID holding the repo at `repoPath`, if a live process does. */
  static holder(repoPath: string): number | undefined {
    const pid = readHolder(join(repoPath, LOCK_FILE))
    return pid !== undefined && isAlive(pid) ? pid : undefined
  }

  release(): void {
    if (!this.#held) return
    this.#held = false
    held.delete(this)
    try {
      if (readHolder(this.file) === process.pid) unlinkSync(this.file)
    } catch {
      // already gone
    }
  }

  #tryCreate(): boolean {
    let fd: number
    try {
      fd = openSync(this.file, 'wx', 0o644)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw err
    }
    try {
      writeSync(fd, `${process.pid}\n`)
    } finally {
      closeSync(fd)
    }
    return true
  }
}

function readHolder(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
