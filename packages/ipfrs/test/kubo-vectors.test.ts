import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { formatCid } from '@ipfrs/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Node } from '../src/index.js'
import { tempNode, vectorBytes } from './helpers.js'

interface Vectors {
  files: Array<{ size: number; a: number; b: number; cidv0: string }>
  text: Array<{ content: string; cidv0: string }>
}

// CIDs Kubo's `ipfs add` gives with its defaults (see the file's "about"), committed with the tests
const vectors = JSON.parse(readFileSync(new URL('./fixtures/kubo-add-cids.json', import.meta.url), 'utf8')) as Vectors

describe('UnixFS add gives Kubo-identical CIDs', () => {
  let node: Node
  let cleanup: () => Promise<void>
  beforeAll(async () => {
    ;({ node, cleanup } = await tempNode())
  })
  afterAll(async () => cleanup())

  it.each(vectors.files)('file of $size bytes → $cidv0', async ({ size, a, b, cidv0 }) => {
    const result = await node.addFile(vectorBytes(size, a, b))
    expect(formatCid(result.cid)).toBe(cidv0)
    expect(result.size).toBeGreaterThanOrEqual(BigInt(size)) // content plus dag-pb/UnixFS overhead, as Kubo's Size
    // and it reads back byte for byte
    const want = createHash('sha256')
    for await (const chunk of vectorBytes(size, a, b)) want.update(chunk)
    const got = createHash('sha256')
    for await (const chunk of node.cat(result.cid)) got.update(chunk)
    expect(got.digest('hex')).toBe(want.digest('hex'))
  })

  it.each(vectors.text)('text $content → $cidv0', async ({ content, cidv0 }) => {
    const result = await node.addBytes(new TextEncoder().encode(content))
    expect(formatCid(result.cid)).toBe(cidv0)
  })

  it('--only-hash gives the same CID and stores nothing', async () => {
    const { size, a, b, cidv0 } = vectors.files[3]!
    const before = (await node.repoStat()).NumObjects
    const { node: fresh, cleanup: done } = await tempNode()
    try {
      const result = await fresh.addFile(vectorBytes(size, a, b), { onlyHash: true })
      expect(formatCid(result.cid)).toBe(cidv0)
      expect((await fresh.repoStat()).NumObjects).toBe(0)
    } finally {
      await done()
    }
    expect((await node.repoStat()).NumObjects).toBe(before)
  })

  it('CIDv1 implies raw leaves, as in Kubo', async () => {
    const result = await node.addBytes(new Uint8Array(300_000).fill(7), { cidVersion: 1 })
    expect(result.cid.version).toBe(1)
    const root = await node.block.get(result.cid)
    expect(root.byteLength).toBeGreaterThan(0)
    const leaves = []
    for await (const entry of node.ls(result.cid)) leaves.push(entry)
    expect(leaves).toHaveLength(1) // a file lists as itself
    const small = await node.addBytes(new Uint8Array(10).fill(1), { cidVersion: 1 })
    expect(small.cid.code).toBe(0x55) // one raw leaf is its own root
  })
})
