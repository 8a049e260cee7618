import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { cliEnv } from './helpers.js'

type Env = Awaited<ReturnType<typeof cliEnv>>

describe('CLI: compression, encryption, progress', () => {
  let env: Env | undefined
  afterEach(async () => env?.cleanup())

  it('init --encrypt: right passphrase works, wrong or missing one is a clear error', async () => {
    env = await cliEnv({ IPFRS_PASSPHRASE: 'open sesame' })
    await env.ok(['init', '--encrypt', '--encryption-algorithm', 'chacha20-poly1305', '--compression', 'zstd'])
    const cid = await env.ok(['add', '-Q'], 'encrypted and compressed '.repeat(50))
    expect(await env.ok(['cat', cid])).toBe('encrypted and compressed '.repeat(50).trim())
    const wrong = await env.ipfrs(['cat', cid], undefined, { IPFRS_PASSPHRASE: 'sesame close' })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/^Error: wrong passphrase for this repo/)
    const missing = await env.ipfrs(['cat', cid], undefined, { IPFRS_PASSPHRASE: '' })
    expect(missing.stderr).toMatch(/^Error: this repo is encrypted: set IPFRS_PASSPHRASE/)
    expect((await env.ipfrs(['repo', 'verify'])).code).toBe(0)
  })

  it('init --encrypt without a passphrase fails and leaves no repo behind', async () => {
    env = await cliEnv({ IPFRS_PASSPHRASE: '' })
    const r = await env.ipfrs(['init', '--encrypt'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^Error: this repo is encrypted/)
    const again = await env.ipfrs(['init'])
    expect(again.code).toBe(0)
  })

  it('a second init is refused', async () => {
    env = await cliEnv()
    await env.ok(['init'])
    const r = await env.ipfrs(['init'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^Error: an IPFRS repo already exists/)
  })

  it('shows a progress bar on stderr for adds and gets over 10 MB (forced with --progress), none below', async () => {
    env = await cliEnv()
    await env.ok(['init'])
    const big = join(env.dir, 'big.bin')
    await writeFile(big, randomBytes(12 * 1024 * 1024))
    const withBar = await env.ipfrs(['add', '--progress', big])
    expect(withBar.code).toBe(0)
    expect(withBar.stderr).toMatch(/adding \[.*\] \d+%/)
    const noTty = await env.ipfrs(['add', '-Q', big])
    expect(noTty.stderr).toBe('') // stderr is a pipe here, so no bar unless forced
    const quiet = await env.ipfrs(['add', '-q', '--progress', big])
    expect(quiet.stderr).toBe('')
    const cid = noTty.stdout.toString().trim()
    const get = await env.ipfrs(['get', '--progress', cid, '-o', join(env.dir, 'copy.bin')])
    expect(get.stderr).toMatch(/getting \[.*\] \d+%/)
    const small = join(env.dir, 'small.bin')
    await writeFile(small, randomBytes(1024))
    expect((await env.ipfrs(['add', '--progress', small])).stderr).toBe('')
  })
})
