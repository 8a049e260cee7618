import { type CID, checkEntryPath, chunkerSize, type NodeConfig } from '@ipfrs/core'
import type { AddOptions as ContractAddOptions } from '@ipfrs/node-api'
import { type ImportCandidate, type ImporterOptions, importer, type WritableStorage } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { withAddProgress } from './disk-candidates.js'
import { leafImporter } from './leaf-importer.js'

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
  const candidates = withAddProgress(checkedPaths(source), options) // add:read/add:file events; stops on abort
  for await (const entry of importer(candidates, blockstore, importerOptions(config, options))) {
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
