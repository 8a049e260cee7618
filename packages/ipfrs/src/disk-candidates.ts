import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { checkEntryPath } from '@ipfrs/core/errors'
import type { ImportCandidate } from 'ipfs-unixfs-importer'
import { IsDirectoryError } from './errors.js'

/** Counts bytes flowing through, for progress reporting; stops the import when `signal` aborts. */
export async function* countBytes(
  source: AsyncIterable<Uint8Array>,
  onProgress?: (bytes: number) => void,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  let total = 0
  for await (const chunk of source) {
    signal?.throwIfAborted()
    total += chunk.byteLength
    onProgress?.(total)
    yield chunk
  }
}

/**
 * Import candidates for a path on disk: a file streams from disk (never held in memory); a directory (only with
 * `recursive`) yields every file and sub-directory under its own name, so the directory itself is the root, as in Kubo.
 */
export async function* diskCandidates(
  path: string,
  options: { recursive?: boolean; hidden?: boolean; onProgress?: (bytes: number) => void; signal?: AbortSignal },
): AsyncGenerator<ImportCandidate> {
  let read = 0
  const progress = (n: number) => options.onProgress?.(read + n)
  async function* walk(abs: string, rel: string): AsyncGenerator<ImportCandidate> {
    const info = await stat(abs)
    if (info.isFile()) {
      yield {
        path: rel,
        content: (async function* () {
          yield* countBytes(createReadStream(abs, { highWaterMark: 1024 * 1024 }), progress, options.signal)
          read += info.size
        })(),
      }
      return
    }
    if (!info.isDirectory()) return
    if (!options.recursive) {
      throw new IsDirectoryError(abs)
    }
    const names = (await readdir(abs)).filter((n) => options.hidden || !n.startsWith('.')).sort()
    // the importer creates a directory from its entries' paths; only an empty one needs an entry of its own
    // (an entry for a directory that has children would replace them)
    if (names.length === 0) yield { path: rel }
    for (const name of names) yield* walk(join(abs, name), `${rel}/${name}`)
  }
  // named after the resolved path, so `add -r .` names the root after the directory, never `.`
  const root = basename(resolve(path))
  // every name is checked before the first byte is read, so a tree holding a name that cannot be stored (a backslash)
  // is refused whole and nothing of it is stored
  if (options.recursive) await checkTreeNames(path, root, options.hidden === true)
  yield* walk(path, root)
}

/** Throws `UnsafePathError` for the first name under `dir` (as `add` would walk it) that is not a safe entry name. */
async function checkTreeNames(dir: string, rel: string, hidden: boolean): Promise<void> {
  checkEntryPath(rel)
  const info = await stat(dir)
  if (!info.isDirectory()) return
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!hidden && entry.name.startsWith('.')) continue
    checkEntryPath(`${rel}/${entry.name}`)
    if (entry.isDirectory()) await checkTreeNames(join(dir, entry.name), `${rel}/${entry.name}`, hidden)
  }
}
