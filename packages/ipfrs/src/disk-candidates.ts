import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { checkEntryPath } from '@ipfrs/core/errors'
import type { AddProgressEvents } from '@ipfrs/node-api'
import type { ImportCandidate } from 'ipfs-unixfs-importer'
import { CustomProgressEvent, type ProgressOptions } from 'progress-events'
import { IsDirectoryError } from './errors.js'
import { readFrames } from './leaf-frames.js'

/**
 * Reports the content of candidates as it is read, as typed events (`add:read` per chunk, `add:file` at each file's
 * end), and stops reading when `signal` aborts. `node.addAll` reads every add through it; a client that uploads the
 * candidates elsewhere (the CLI to a daemon) uses it to see its own upload's progress.
 */
export async function* withAddProgress<C extends { path?: string; content?: unknown }>(
  source: Iterable<C> | AsyncIterable<C>,
  options: ProgressOptions<AddProgressEvents> & { signal?: AbortSignal },
): AsyncGenerator<C> {
  let total = 0
  for await (const candidate of source) {
    const content = candidate.content as AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array | undefined
    if (content == null) {
      yield candidate
      continue
    }
    const path = candidate.path ?? ''
    yield {
      ...candidate,
      content: (async function* () {
        let bytes = 0
        for await (const chunk of content instanceof Uint8Array ? [content] : content) {
          options.signal?.throwIfAborted()
          bytes += chunk.byteLength
          total += chunk.byteLength
          options.onProgress?.(new CustomProgressEvent('add:read', { path, bytes, total }))
          yield chunk
        }
        options.onProgress?.(new CustomProgressEvent('add:file', { path, bytes }))
      })(),
    }
  }
}

/**
 * Import candidates for a path on disk: a file streams from disk (never held in memory); a directory (only with
 * `recursive`) yields every file and sub-directory under its own name, so the directory itself is the root, as in Kubo.
 * With `chunkSize` (an add into a local repo) files are read in chunks of that size straight into the buffers their
 * leaves are built in (see leaf-frames.ts).
 */
export async function* diskCandidates(
  path: string,
  options: { recursive?: boolean; hidden?: boolean; chunkSize?: number },
): AsyncGenerator<ImportCandidate> {
  const { chunkSize } = options
  async function* walk(abs: string, rel: string): AsyncGenerator<ImportCandidate> {
    const info = await stat(abs)
    if (info.isFile()) {
      yield {
        path: rel,
        content:
          chunkSize === undefined ? createReadStream(abs, { highWaterMark: 1024 * 1024 }) : readFrames(abs, chunkSize),
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
