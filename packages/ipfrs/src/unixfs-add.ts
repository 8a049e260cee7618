import { type CID, checkEntryPath, chunkerSize, type NodeConfig } from '@ipfrs/core'
import type { AddOptions as ContractAddOptions } from '@ipfrs/node-api'
import { type ImportCandidate, type ImporterOptions, importer, type WritableStorage } from 'ipfs-unixfs-importer'
import { withAddProgress } from './disk-candidates.js'
import { fileBuilder } from './file-builder.js'

// where files come from (no importer needed): a client of a daemon uploads them without loading the importer
export { diskCandidates, withAddProgress } from './disk-candidates.js'

/** How content is cut into blocks (the contract's); progress comes as `add:read`/`add:file` events. */
export type AddOptions = ContractAddOptions

/** One imported file or directory. */
export interface AddResult {
  readonly cid: CID
  /** The path it was added under ('' for bare bytes). */
  readonly path: string
  /** Cumulative size of the DAG's blocks: content plus encoding overhead (what Kubo reports as `Size`). */
  readonly size: bigint
}

/**
 * The importer options for Kubo-identical CIDs under the given config and flags: files are cut and laid out by our
 * file builder (fixed-size chunks, balanced layout; see file-builder.ts). With `reuseBuffers` the blockstore must keep
 * no reference to the bytes it is given once a `put` resolves (the repo's, which writes them to files).
 */
export function importerOptions(config: NodeConfig, options: AddOptions, reuseBuffers = false): ImporterOptions {
  const cidVersion = options.cidVersion ?? config.Import.CidVersion
  const rawLeaves = options.rawLeaves ?? (options.cidVersion === 1 ? true : config.Import.UnixFSRawLeaves)
  return {
    profile: 'unixfs-v0-2015',
    cidVersion,
    rawLeaves,
    leafType: 'file',
    reduceSingleLeafToSelf: true,
    chunker: (bytes) => bytes, // the file builder cuts the chunks
    fileBuilder: fileBuilder({
      cidVersion,
      rawLeaves,
      chunkSize: addChunkSize(config, options),
      maxChildrenPerNode: config.Import.UnixFSFileMaxLinks,
      reuseBuffers,
    }),
    wrapWithDirectory: options.wrapWithDirectory ?? false,
    ...(options.sequentialFiles === true ? { fileImportConcurrency: 1 } : {}),
  }
}

/** The chunk size an add cuts files into. */
export function addChunkSize(config: NodeConfig, options: AddOptions): number {
  return chunkerSize(options.chunker ?? config.Import.UnixFSChunker)
}

/**
 * Imports candidates and yields one result per file and directory, the root last. `reuseBuffers`: see
 * `importerOptions`.
 */
export async function* importCandidates(
  source: Iterable<ImportCandidate> | AsyncIterable<ImportCandidate>,
  blockstore: WritableStorage,
  config: NodeConfig,
  options: AddOptions,
  reuseBuffers = false,
): AsyncGenerator<AddResult> {
  const candidates = withAddProgress(checkedPaths(source), options) // add:read/add:file events; stops on abort
  for await (const entry of importer(candidates, blockstore, importerOptions(config, options, reuseBuffers))) {
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
