import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { packAndInstall, runScript } from './pack-install.js'

const SCRIPT = `const { HnswIndex } = await import('@ipfrs/semantic')
const index = new HnswIndex({ dimension: 3, metric: 'l2', M: 16, efConstruction: 200, efSearch: 100 })
index.add('bafyX', new Float32Array([1, 0, 0]))
index.add('bafyY', new Float32Array([0, 1, 0]))
index.add('bafyZ', new Float32Array([0, 0, 1]))
const hits = index.searchSimilar(new Float32Array([0.9, 0.1, 0]), 2)
console.log(JSON.stringify({ size: index.size, cids: hits.map((h) => h.cid) }))
`

describe('@ipfrs/semantic alone from its packed tarball', () => {
  let dir: string | undefined

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('installs offline (hnswlib-node built) and searches an HnswIndex', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfrs-pack-semantic-'))
    const project = await packAndInstall(['@ipfrs/semantic'], dir)
    const out = (await runScript(project, 'check.mjs', SCRIPT)) as { size: number; cids: string[] }
    expect(out.cids).toEqual(['bafyX', 'bafyY'])
    expect(out.size).toBe(3)
  })
})
