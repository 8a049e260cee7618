import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'

/** Kubo's `ipfs add` defaults for the stock importer: CIDv0, 256 KiB chunks, dag-pb leaves, 174 links per node. */
export const kuboImporterOptions = {
  cidVersion: 0 as const,
  rawLeaves: false,
  leafType: 'file' as const,
  reduceSingleLeafToSelf: true,
  chunker: fixedSize({ chunkSize: 262144 }),
  layout: balanced({ maxChildrenPerNode: 174 }),
}
