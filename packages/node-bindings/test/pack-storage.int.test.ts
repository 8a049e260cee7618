import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { packAndInstall, runScript } from './pack-install.js'

const SCRIPT = `import { Repo } from '@ipfrs/storage'
import { cidOf, formatCid } from '@ipfrs/core'
import { join } from 'node:path'

const dir = join(process.cwd(), 'repo')
await Repo.init(dir, { config: { Compression: { Algorithm: 'zstd' } } })
const repo = await Repo.open(dir)
const bytes = new TextEncoder().encode('hello storage '.repeat(50))
const cid = cidOf(bytes, 0x55)
await repo.blockstore.put(cid, bytes)
const chunks = []
for await (const c of repo.blockstore.get(cid)) chunks.push(c)
const back = new TextDecoder().decode(Buffer.concat(chunks))
const verify = await repo.verify()
await repo.close()
console.log(JSON.stringify({ cid: formatCid(cid), same: back === 'hello storage '.repeat(50), problems: verify.problems.length }))
`

describe('@ipfrs/storage alone from its packed tarball', () => {
  let dir: string | undefined

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('installs offline and puts/gets a block in a new repo', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfrs-pack-storage-'))
    const project = await packAndInstall(['@ipfrs/storage', '@ipfrs/core'], dir)
    const out = (await runScript(project, 'check.mjs', SCRIPT)) as Record<string, unknown>
    expect(out).toEqual({ cid: expect.stringMatching(/^bafkrei/), same: true, problems: 0 })
  })
})
