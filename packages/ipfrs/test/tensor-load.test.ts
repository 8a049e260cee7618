import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { bytesOf, safetensorsFile } from '@ipfrs/test-utils'
import { fileIndex, readBlock } from '@ipfrs/transport'
import type { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import type { Node } from '../src/index.js'
import { tempNode } from './helpers.js'

/** A safetensors file of one F32 tensor `w` (1.6 MB: whole leaves in the middle, partial ones at both ends). */
function model(): { file: Uint8Array; weights: Float32Array } {
  const weights = Float32Array.from({ length: 400_000 }, (_, i) => Math.cos(i))
  const file = safetensorsFile([{ name: 'w', dtype: 'F32', shape: [weights.length], data: bytesOf(weights) }])
  return { file, weights }
}

async function addModel(node: Node, dir: string): Promise<{ cid: CID; weights: Float32Array }> {
  const { file, weights } = model()
  const path = join(dir, 'model.safetensors')
  await writeFile(path, file)
  let cid: CID | undefined
  for await (const r of node.addPath(path)) cid = r.cid
  return { cid: cid!, weights }
}

const same = (a: Float32Array, b: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))

describe('tensor.load reads whole leaves from their block files when stored plain, else through the blockstore', () => {
  const repos: Record<string, Parameters<typeof tempNode>[0]> = {
    plain: {},
    'zstd-compressed': { init: { config: { Compression: { Algorithm: 'zstd', MinSize: 0 } } } },
    encrypted: { passphrase: 'pw', init: { passphrase: 'pw', config: { Encryption: { Enabled: true } } } },
  }
  for (const [kind, init] of Object.entries(repos)) {
    it(`loads the same tensor from a ${kind} repo`, async () => {
      const { node, dir, cleanup } = await tempNode(init)
      try {
        const { cid, weights } = await addModel(node, dir)
        const w = await node.tensor.load(cid, 'w')
        expect(same(w.data as Float32Array, weights)).toBe(true)
        const unverified = await node.tensor.load(cid, 'w', { verify: false })
        expect(same(unverified.data as Float32Array, weights)).toBe(true)
        if (kind === 'encrypted') expect(node.repo.plainBlockFile(cid)).toBeUndefined()
      } finally {
        await cleanup()
      }
    })
  }

  it('a leaf whose block file was altered on disk is caught, not returned', async () => {
    const { node, dir, cleanup } = await tempNode()
    try {
      const { cid } = await addModel(node, dir)
      const manifest = await fileIndex((c) => readBlock(node.repo.blockstore, c), cid)
      const middle = manifest.chunks[2]!
      const path = node.repo.plainBlockFile(middle)!
      const stored = await readFile(path)
      stored.writeUInt8(stored.readUInt8(stored.byteLength - 100) ^ 0xff, stored.byteLength - 100)
      await writeFile(path, stored)
      await expect(node.tensor.load(cid, 'w')).rejects.toMatchObject({ code: 'ERR_BLOCK_HASH_MISMATCH' })
    } finally {
      await cleanup()
    }
  })
})
