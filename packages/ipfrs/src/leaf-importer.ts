import { digest } from '@ipfrs/core'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { BufferImporter } from 'ipfs-unixfs-importer'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'

/**
 * Writes file leaves for the UnixFS importer, producing the same blocks and CIDs as its default leaf writer, with one
 * change that bounds memory: a dag-pb leaf's UnixFS record keeps its size but not its data once the block is written.
 * The default keeps every chunk alive until its parent node is built (174 chunks of 256 KiB, 44 MiB per tree level);
 * the importer only reads a leaf's size back, through `fileSize()`, which counts block sizes the same way as data.
 */
export function leafImporter(options: { cidVersion: 0 | 1; rawLeaves: boolean }): BufferImporter {
  return async function* writeLeaves(file, blockstore) {
    for await (const chunk of file.content) {
      yield async () => {
        if (options.rawLeaves) {
          const cid = CID.createV1(raw.code, digest(chunk))
          await blockstore.put(cid, chunk)
          return { cid, size: BigInt(chunk.byteLength), block: chunk }
        }
        const unixfs = new UnixFS({ type: 'file', data: chunk as Uint8Array<ArrayBuffer> })
        const block = dagPb.encode({ Data: unixfs.marshal(), Links: [] })
        const hash = digest(block)
        const cid = options.cidVersion === 0 ? CID.createV0(hash as never) : CID.createV1(dagPb.code, hash)
        await blockstore.put(cid, block)
        unixfs.data = undefined
        unixfs.addBlockSize(BigInt(chunk.byteLength))
        return { cid, unixfs, size: BigInt(block.byteLength), block }
      }
    }
  }
}
