import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { type CID, checkEntryPath, chunkerSize, type NodeConfig } from '@ipfrs/core'
import type { AbortOptions } from 'abort-error'
import { type ImportCandidate, type ImporterOptions, importer, type WritableStorage } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { IsDirectoryError } from './errors.js'
import { leafImporter } from './leaf-importer.js'

/** How content is cut into blocks; every field defaults from the config's `Import` section (Kubo's defaults). */
export interface AddOptions extends AbortOptions {
  cidVersion?: 0 | 1
  /** Raw leaves; defaults to true for CIDv1 and false for CIDv0, as in Kubo. */
  rawLeaves?: boolean
  /** `size-<bytes>`. */
  chunker?: string
  /** Compute the CIDs without storing anything. */
  onlyHash?: boolean
  /** Pin the root recursively (default true). */
  pin?: boolean
  /** Wrap the added entries in a directory (Kubo's `-w`). */
  wrapWithDirectory?: boolean
  /** Called with the number of bytes read so far. */
  onProgress?: (bytes: number) => void
  /**
   * Read each file's content to its end before asking the source for the next file. Needed when the files come one
   * after another from a single stream (an HTTP multipart upload); otherwise files are read in parallel.
   */
  sequentialFiles?: boolean
}

/** One imported file or directory. */
export interface AddResult {
  readonly cid: CID
  /** The path it was added under ('' for bare bytes). */
  readonly path: string
  /** Cumulative size of the DAG's blocks: content plus encoding overhead (what Kubo reports as `Size`). */
  readonly size: bigint
}

/** The importer options for Kubo-identical CIDs under the given config and flags. */
export function importerOptions(config: NodeConfig, options: AddOptions): ImporterOptions {
  const cidVersion = options.cidVersion ?? config.Import.CidVersion
  const rawLeaves = options.rawLeaves ?? (options.cidVersion === 1 ? true : config.Import.UnixFSRawLeaves)
  return {
    profile: 'unixfs-v0-2015',
    cidVersion,
    rawLeaves,
    leafType: 'file',
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: chunkerSize(options.chunker ?? config.Import.UnixFSChunker) }),
    layout: balanced({ maxChildrenPerNode: config.Import.UnixFSFileMaxLinks }),
    wrapWithDirectory: options.wrapWithDirectory ?? false,
    bufferImporter: leafImporter({ cidVersion, rawLeaves }),
    ...(options.sequentialFiles === true ? { fileImportConcurrency: 1 } : {}),
  }
}

/** Imports candidates and yields one result per file and directory, the root last. */
export async function* importCandidates(
  source: Iterable<ImportCandidate> | AsyncIterable<ImportCandidate>,
  blockstore: WritableStorage,
  config: NodeConfig,
  options: AddOptions,
): AsyncGenerator<AddResult> {
  for await (const entry of importer(checkedPaths(source), blockstore, importerOptions(config, options))) {
    yield { cid: entry.cid, path: entry.path ?? '', size: entry.size }
  }
}

/**
 * The candidates with every path checked (`checkEntryPath`): a name that is empty, `.`, `..` or holds a backslash or
 * NUL is refused with `ERR_UNSAFE_PATH` before the importer sees it, so no directory ever links to such a name. A list
 * is checked whole before the first candidate is read, so then nothing at all is stored; a stream is checked as it
 * comes (entries before the bad one may leave unpinned blocks, which gc removes).
 */
async function* checkedPaths(
  source: Iterable<ImportCandidate> | AsyncIterable<ImportCandidate>,
): AsyncGenerator<ImportCandidate> {
  if (Array.isArray(source)) for (const candidate of source as ImportCandidate[]) checkEntryPath(candidate.path ?? '')
  for await (const candidate of source) {
    checkEntryPath(candidate.path ?? '')
    yield candidate
  }
}

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
