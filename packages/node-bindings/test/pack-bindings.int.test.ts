import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packAndInstall, runScript } from './pack-install.js'

const SCRIPT_BODY = `
  const node = new Node({ repoPath: require_path.join(process.cwd(), 'repo-' + KIND), semantic: { dimension: 4 } })
  await node.start()
  const cid = await node.putBlock(Buffer.from('hello ' + KIND))
  const got = await node.getBlock(cid)
  const absent = await node.getBlock('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')
  let badCid = null
  try { await node.getBlock('nope') } catch (err) { badCid = err.code }
  await node.indexContent(cid, [1, 0, 0, 0])
  const hits = await node.searchSimilar([1, 0, 0, 0], 1)
  await node.addFact('parent(tom, bob).')
  await node.addFact('parent(bob, ann).')
  await node.addRule('grandparent(X, Z) :- parent(X, Y), parent(Y, Z).')
  const answers = await node.infer('grandparent(X, ann)')
  await node.stop()
  console.log(JSON.stringify({ cid, got: got.toString(), isBuffer: Buffer.isBuffer(got), absent, badCid, hits, answers }))
`

const CJS = `const { Node } = require('@ipfrs/node-bindings')
const require_path = require('node:path')
const KIND = 'cjs'
;(async () => {${SCRIPT_BODY}})().catch((err) => { console.error(err); process.exit(1) })
`

const MJS = `import { Node } from '@ipfrs/node-bindings'
import * as require_path from 'node:path'
const KIND = 'mjs'
${SCRIPT_BODY}`

describe('@ipfrs/node-bindings from its packed tarball', () => {
  let dir: string
  let project: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfrs-pack-bindings-'))
    project = await packAndInstall(['@ipfrs/node-bindings'], dir)
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  for (const [kind, file, source] of [
    ['cjs', 'check.cjs', CJS],
    ['mjs', 'check.mjs', MJS],
  ] as const) {
    it(`works from a plain .${kind} script`, async () => {
      const out = (await runScript(project, file, source)) as Record<string, unknown>
      expect(out.got).toBe(`hello ${kind}`)
      expect(out.isBuffer).toBe(true)
      expect(out.absent).toBeNull()
      expect(out.badCid).toBe('ERR_INVALID_CID')
      expect(out.hits).toEqual([{ cid: out.cid, score: expect.closeTo(1, 5) }])
      expect(out.answers).toEqual([{ X: 'tom' }])
    })
  }
})
