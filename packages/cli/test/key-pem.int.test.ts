import { generateKeyPairSync } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type cliEnv, testRepo } from './helpers.js'

type Env = Awaited<ReturnType<typeof cliEnv>>

describe('ipfrs key import/export --format pem-pkcs8-cleartext', () => {
  let env: Env

  beforeEach(async () => {
    env = await testRepo()
  })
  afterEach(async () => {
    await env.cleanup()
  })

  it('round-trips an Ed25519 PKCS#8 PEM made by Node’s crypto; a bad PEM is refused with its code', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const file = join(env.dir, 'node.pem')
    await writeFile(file, pem)
    const id = await env.ok(['key', 'import', 'pem-key', file, '--format', 'pem-pkcs8-cleartext'])
    expect(id).toMatch(/^k51\w+$/)
    const out = join(env.dir, 'back.pem')
    await env.ok(['key', 'export', 'pem-key', '--format', 'pem-pkcs8-cleartext', '-o', out])
    expect(await readFile(out, 'utf8')).toBe(pem)
    expect(((await stat(out)).mode & 0o777).toString(8)).toBe('600')
    // the protobuf export of the same key imports to the same name
    const proto = join(env.dir, 'back.key')
    await env.ok(['key', 'export', 'pem-key', '-o', proto])
    expect(await env.ok(['key', 'import', 'proto-key', proto])).toBe(id)

    await writeFile(join(env.dir, 'bad.pem'), 'not a key')
    const bad = await env.ipfrs(['key', 'import', 'x', join(env.dir, 'bad.pem'), '--format', 'pem-pkcs8-cleartext'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('not a PKCS#8 PEM Ed25519 private key')
  }, 120_000)
})
