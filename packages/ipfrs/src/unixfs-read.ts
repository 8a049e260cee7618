import { createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { isSafeEntryName, UnsafePathError } from '@ipfrs/core'
import type { GetOptions } from '@ipfrs/node-api'
import type { AbortOptions } from 'abort-error'
import { exporter, type ReadableStorage, type UnixFSEntry } from 'ipfs-unixfs-exporter'
import { CustomProgressEvent } from 'progress-events'
import { NotAFileError, NotUnixFsError, PathNotFoundError } from './errors.js'

export interface CatOptions extends AbortOptions {
  offset?: number
  length?: number
}

/** Resolves `<cid>[/path]` to its UnixFS entry, with IPFRS error codes for what the exporter reports. */
export async function resolveEntry(
  blockstore: ReadableStorage,
  path: string,
  options: AbortOptions = {},
): Promise<UnixFSEntry> {
  const wanted = path.replace(/^\/?ipfs\//, '')
  const depth = (p: string) => p.split('/').filter((s) => s !== '').length
  let entry: UnixFSEntry
  try {
    entry = await exporter(wanted, blockstore, options)
  } catch (err) {
    const translated = translate(err, path)
    // a path that goes on below a multi-block file: the exporter looks for a named link in the file's root and
    // reports the file as not UnixFS; what is really wrong is the path
    if (translated instanceof NotUnixFsError && depth(wanted) > 1) throw new PathNotFoundError(path, { cause: err })
    throw translated
  }
  // the exporter stops at a single-block file and ignores what is left of the path (`<file>/x` gave the file)
  if (depth(entry.path) !== depth(wanted)) throw new PathNotFoundError(path)
  return entry
}

/**
 * How many of a file's blocks are read ahead of the one being streamed. The exporter's default wants all children of
 * an interior node at once (up to 174 leaves, 43.5 MiB); Helia's Bitswap sender reads every wanted block before its
 * first message, so the first bytes waited for the whole batch. A window of 32 leaves (8 MiB) keeps a Bitswap
 * message or two in flight and the first block arrives after one round trip.
 */
export const BLOCK_READ_AHEAD = 32

/**
 * The exporter's reads of a file's blocks, as every file read here passes them: `BLOCK_READ_AHEAD` blocks at a time,
 * and each block used as the blockstore gives it (the patched exporter's `blockBuffersOwned`) instead of copied. The
 * blockstores a read goes through hand out buffers that no write is still using: the repo reads every block from disk
 * into a new buffer; a block from Bitswap is stored before Helia hands it on; a leaf from TensorSwap reaches the
 * exporter once stored (leaf-prefetch.ts). So the bytes a read yields are views of those buffers, and a caller that
 * writes into them changes no stored block (two reads waiting at once for the same block from Bitswap do share its
 * buffer; see the package README). The copy cost a memcpy and a buffer allocation per block: 128 MiB more ArrayBuffer
 * memory per 128 MiB read, each ~64 MiB of it a full collection under V8's defaults.
 */
const FILE_READ = { blockReadConcurrency: BLOCK_READ_AHEAD, blockBuffersOwned: true } as const

/** The bytes of the file at `<cid>[/path]`, streamed block by block. */
export async function* catEntry(
  blockstore: ReadableStorage,
  path: string,
  options: CatOptions = {},
): AsyncGenerator<Uint8Array> {
  const entry = await resolveEntry(blockstore, path, options)
  if (entry.type === 'directory' || entry.type === 'object') throw new NotAFileError(path, entry.type)
  try {
    yield* entry.content({
      offset: options.offset,
      length: options.length,
      signal: options.signal,
      ...FILE_READ,
    })
  } catch (err) {
    throw translate(err, path)
  }
}

/** What `<cid>[/path]` is, and its size (file bytes; for a directory, the DAG size). */
export async function statEntry(
  blockstore: ReadableStorage,
  path: string,
  options: AbortOptions = {},
): Promise<{ cid: string; type: UnixFSEntry['type']; size: bigint }> {
  const entry = await resolveEntry(blockstore, path, options)
  return { cid: entry.cid.toString(), type: entry.type, size: entry.size }
}

/** One entry of a directory listing. */
export interface LsEntry {
  readonly name: string
  readonly cid: string
  readonly size: bigint
  readonly type: 'file' | 'directory' | 'raw' | 'object' | 'identity'
}

/** Lists a directory (or a single file) at `<cid>[/path]`. */
export async function* lsEntry(
  blockstore: ReadableStorage,
  path: string,
  options: AbortOptions = {},
): AsyncGenerator<LsEntry> {
  const entry = await resolveEntry(blockstore, path, options)
  if (entry.type !== 'directory') {
    yield { name: entry.name, cid: entry.cid.toString(), size: entry.size, type: entry.type }
    return
  }
  for await (const child of entry.entries(options)) {
    const full = await resolveEntry(blockstore, child.cid.toString(), options)
    yield { name: child.name, cid: child.cid.toString(), size: full.size, type: full.type }
  }
}

/** Writes the file or directory tree at `<cid>[/path]` to `out` on disk; returns the number of bytes written. */
export async function getToDisk(
  blockstore: ReadableStorage,
  path: string,
  out: string,
  options: GetOptions = {},
): Promise<number> {
  let written = 0
  const write = async (entry: UnixFSEntry, target: string): Promise<void> => {
    if (entry.type === 'directory') {
      await mkdir(target, { recursive: true })
      for await (const child of entry.entries({ signal: options.signal })) {
        if (!isSafeEntryName(child.name)) throw new UnsafePathError(child.name)
        await write(await resolveEntry(blockstore, child.cid.toString(), options), join(target, child.name))
      }
      return
    }
    if (entry.type === 'object') throw new NotUnixFsError(entry.cid.toString())
    const content = entry.content({ signal: options.signal, ...FILE_READ })
    await pipeline(
      (async function* () {
        for await (const chunk of content) {
          written += chunk.byteLength
          options.onProgress?.(new CustomProgressEvent('get:write', { bytes: written }))
          yield chunk
        }
      })(),
      createWriteStream(target),
    )
  }
  try {
    await write(await resolveEntry(blockstore, path, options), out)
  } catch (err) {
    throw translate(err, path)
  }
  return written
}

/** Maps the exporter's errors to ours; block-level errors (`ERR_BLOCK_NOT_FOUND`, corrupt frames, …) pass through. */
function translate(err: unknown, path: string): unknown {
  switch ((err as { code?: string }).code) {
    case 'ERR_NOT_FOUND':
      return new PathNotFoundError(path, { cause: err })
    case 'ERR_NOT_UNIXFS':
    case 'ERR_NO_RESOLVER':
      return new NotUnixFsError(path, { cause: err })
    default:
      return err
  }
}
