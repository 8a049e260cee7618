import { readdir, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { base32, base32upper } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'

const EXTENSION = '.data'
const RAW = 0x55

/**
 * Every block stored under `dir` (blockstore-fs's next-to-last sharding), as a CIDv1 with the raw codec: files are named
 * by multihash alone, so the codec is not known, and raw is what Kubo prints for such keys too. Temp files of writes
 * that never finished (`.<name>.tmp`) and names that are not multihashes are skipped.
 */
export async function* listBlockKeys(dir: string): AsyncGenerator<CID> {
  for (const shard of (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    let files: string[]
    try {
      files = await readdir(join(dir, shard))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw err
    }
    for (const file of files) {
      if (file.startsWith('.') || !file.endsWith(EXTENSION)) continue
      try {
        const multihash = base32upper.decode(file.slice(0, -EXTENSION.length)) // the name carries the multibase prefix (B)
        yield CID.createV1(RAW, Digest.decode(multihash))
      } catch {
        // not a block file
      }
    }
  }
}

/** The name blockstore-fs (steno) writes a block to before renaming it into place: `.<block file>.tmp`. */
const TEMP = /^\.(.+\.data)\.tmp$/

/** Whether a file name under blocks/ is the temp file of a block write. */
export function isBlockTempFile(name: string): boolean {
  return TEMP.test(name)
}

export interface RemoveTempFilesOptions {
  /** Spare temp files modified less than this many milliseconds ago (default 0: remove all). */
  olderThanMs?: number
  /** Spare the temp file of this block file name (a write in progress). */
  spare?: (blockFileName: string) => boolean
}

/**
 * Removes the temp files of block writes that never finished (a process killed mid-write, a full disk) under `dir`.
 * With the repo lock held and nothing writing (at open), every one is abandoned; while writes run, pass `olderThanMs`
 * and `spare`. Returns how many were removed.
 */
export async function removeBlockTempFiles(dir: string, options: RemoveTempFilesOptions = {}): Promise<number> {
  const olderThan = options.olderThanMs ?? 0
  let removed = 0
  let shards: string[]
  try {
    shards = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
  for (const shard of shards) {
    let files: string[]
    try {
      files = await readdir(join(dir, shard))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw err
    }
    for (const file of files) {
      const m = TEMP.exec(file)
      if (m == null || options.spare?.(m[1] ?? '') === true) continue
      const path = join(dir, shard, file)
      try {
        if (olderThan > 0 && Date.now() - (await stat(path)).mtimeMs < olderThan) continue
        await unlink(path)
        removed++
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      }
    }
  }
  return removed
}

/** The key (see `blockKey`) of the block a block file name holds, if it is one. */
export function blockKeyOfFile(file: string): string | undefined {
  if (!file.endsWith(EXTENSION)) return undefined
  try {
    const multihash = base32upper.decode(file.slice(0, -EXTENSION.length))
    return base32.encode(multihash)
  } catch {
    return undefined
  }
}
