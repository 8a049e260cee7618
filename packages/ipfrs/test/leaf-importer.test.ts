import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { describe, expect, it } from 'vitest'
import { fileLeafBlock } from '../src/leaf-importer.js'

describe('fileLeafBlock', () => {
  it('gives the bytes dag-pb + ipfs-unixfs give for a file leaf, at every varint width', () => {
    for (const size of [1, 2, 100, 127, 128, 129, 16_383, 16_384, 262_144, 1_048_576, 2_097_153]) {
      const chunk = new Uint8Array(size)
      for (let i = 0; i < size; i++) chunk[i] = (i * 31 + size) & 0xff
      const expected = dagPb.encode({ Data: new UnixFS({ type: 'file', data: chunk }).marshal(), Links: [] })
      const block = fileLeafBlock(chunk)
      // compared as Buffers: an element-wise toEqual of MiBs takes most of a minute
      expect(block.byteLength, `${size} bytes`).toBe(expected.byteLength)
      expect(Buffer.from(block).equals(Buffer.from(expected)), `${size} bytes`).toBe(true)
    }
  })
})
