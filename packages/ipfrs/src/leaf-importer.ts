import { digest } from '@ipfrs/core'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { BufferImporter } from 'ipfs-unixfs-importer'
import { varint } from 'multiformats'
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
        const block = chunk.byteLength > 0 ? fileLeafBlock(chunk) : dagPb.encode({ Data: unixfs.marshal(), Links: [] })
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

/**
 * The dag-pb block of a file leaf holding `chunk` (not empty): the bytes `dagPb.encode({ Data: new UnixFS({ type:
 * 'file', data: chunk }).marshal() })` gives, built in one allocation. That pair copied every chunk twice (into the
 * UnixFS record, then into the block), a quarter of an add's CPU in copies and the garbage they leave.
 * Layout: PBNode.Data (field 1) = UnixFS { Type (1) = File (2), Data (2) = chunk, filesize (3) = chunk length }.
 */
export function fileLeafBlock(chunk: Uint8Array): Uint8Array {
  const n = chunk.byteLength
  const inner = 2 + 1 + varint.encodingLength(n) + n + 1 + varint.encodingLength(n)
  const block = new Uint8Array(1 + varint.encodingLength(inner) + inner)
  let at = 0
  block[at++] = 0x0a
  at = putVarint(block, at, inner)
  block[at++] = 0x08
  block[at++] = 0x02
  block[at++] = 0x12
  at = putVarint(block, at, n)
  block.set(chunk, at)
  at += n
  block[at++] = 0x18
  putVarint(block, at, n)
  return block
}

function putVarint(into: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    into[at++] = (n % 0x80) | 0x80
    n = Math.floor(n / 0x80)
  }
  into[at++] = n
  return at
}
