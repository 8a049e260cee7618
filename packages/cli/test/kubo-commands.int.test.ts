import { existsSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { waitFor } from '@ipfrs/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type cliEnv, testRepo } from './helpers.js'

type Env = Awaited<ReturnType<typeof cliEnv>>

describe('ipfrs files, key, name, pubsub', () => {
  let env: Env

  beforeEach(async () => {
    env = await testRepo()
  })
  afterEach(async () => {
    await env.ipfrs(['daemon', 'stop'])
    await env.cleanup()
  })

  it('files: an MFS tree that persists in the repo across commands and survives gc', async () => {
    await env.ok(['files', 'mkdir', '-p', '/a/b'])
    await env.ok(['files', 'write', '--create', '/a/b/hello.txt'], 'hello mfs')
    await env.ok(['files', 'write', '--offset', '6', '/a/b/hello.txt'], 'MFS')
    expect(await env.ok(['files', 'read', '/a/b/hello.txt'])).toBe('hello MFS')
    expect(await env.ok(['files', 'read', '-o', '6', '-n', '2', '/a/b/hello.txt'])).toBe('MF')
    const cid = await env.ok(['add', '-Q'], 'added content')
    await env.ok(['files', 'cp', `/ipfs/${cid}`, '/a/copy.txt'])
    await env.ok(['files', 'mv', '/a/copy.txt', '/moved.txt'])
    expect((await env.ok(['files', 'ls', '/'])).split('\n')).toEqual(['a/', 'moved.txt'])
    expect(await env.ok(['files', 'ls', '-l', '/a/b'])).toMatch(/^hello\.txt\t\w+\t9$/)
    const st = await env.ok(['files', 'stat', '/a/b/hello.txt'])
    expect(st).toMatch(/^\w+\nSize: 9\nCumulativeSize: \d+\nChildBlocks: 0\nType: file$/)
    const root = await env.ok(['files', 'flush'])
    expect(await env.ok(['files', 'stat', '--hash', '/'])).toBe(root)

    await env.ok(['pin', 'rm', cid])
    await env.ok(['repo', 'gc'])
    expect(await env.ok(['files', 'read', '/moved.txt'])).toBe('added content')
    await env.ok(['files', 'rm', '-r', '/a'])
    expect(await env.ok(['files', 'ls'])).toBe('moved.txt')

    const escaping = await env.ipfrs(['files', 'mkdir', '/a/../../x'])
    expect(escaping.code).toBe(1)
    expect(escaping.stderr).toContain('invalid MFS path')
    const missing = await env.ipfrs(['files', 'write', '/nope.txt'], 'x')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('file does not exist: /nope.txt')
  }, 180_000) // about 20 CLI runs, each a new process

  it('key and name: Ed25519 keys in the keystore (0600), export/import, and an offline IPNS publish/resolve', async () => {
    const id = await env.ok(['key', 'gen', 'blog'])
    expect(id).toMatch(/^k51\w+$/)
    expect(((await stat(join(env.repo, 'keystore', 'blog'))).mode & 0o777).toString(8)).toBe('600')
    expect((await env.ok(['key', 'list'])).split('\n')).toEqual(['self', 'blog'])
    expect(await env.ok(['key', 'rename', 'blog', 'site'])).toBe(`Key ${id} renamed to site`)
    const exported = join(env.dir, 'site.key')
    await env.ok(['key', 'export', 'site', '-o', exported])
    expect(((await stat(exported)).mode & 0o777).toString(8)).toBe('600')
    expect(await env.ok(['key', 'import', 'again', exported, '--force'])).toBe(id)
    expect(await env.ok(['key', 'rm', 'again'])).toBe(`${id} again`)
    const bad = await env.ipfrs(['key', 'gen', '../x'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('invalid key name')

    const cid = await env.ok(['add', '-Q'], 'my site')
    const offline = await env.ipfrs(['name', 'publish', '--key', 'site', cid])
    expect(offline.code).toBe(1)
    expect(offline.stderr).toContain('--allow-offline')
    expect(await env.ok(['name', 'publish', '--key', 'site', '--allow-offline', '--lifetime', '2h', cid])).toBe(
      `Published to ${id}: /ipfs/${cid}`,
    )
    expect(await env.ok(['name', 'resolve', `/ipns/${id}`])).toBe(`/ipfs/${cid}`)
  }, 180_000)

  it('through a daemon: files and keys over the RPC API, pubsub sub/pub/ls, and shutdown over HTTP', async () => {
    await env.ok(['daemon', '--background'])
    await env.ok(['files', 'write', '-e', '-p', '/via/daemon.txt'], 'through the API')
    expect(await env.ok(['files', 'read', '/via/daemon.txt'])).toBe('through the API')
    await env.ok(['key', 'gen', 'remote'])
    expect((await env.ok(['key', 'list'])).split('\n')).toEqual(['self', 'remote'])

    const sub = env.start(['pubsub', 'sub', 'news/today'])
    let received = ''
    sub.stdout!.on('data', (d: Buffer) => {
      received += d.toString()
    })
    await waitFor(async () => (await env.ok(['pubsub', 'ls'])) === 'news/today', { what: 'the subscription' })
    await env.ok(['pubsub', 'pub', 'news/today'], 'extra! extra!')
    await waitFor(() => received.includes('extra! extra!'), { what: 'the message' })
    sub.kill('SIGINT')

    const noDaemon = await env.ipfrs(['pubsub', 'ls'], undefined, { IPFRS_PATH: join(env.dir, 'other') })
    expect(noDaemon.code).toBe(1)

    expect(await env.ok(['shutdown'])).toBe('daemon stopping') // the RPC shutdown
    await waitFor(() => !existsSync(join(env.repo, 'daemon.pid')), { what: 'the daemon to stop', timeout: 30_000 })
    // the repo is free again: the CLI opens it itself
    expect(await env.ok(['files', 'read', '/via/daemon.txt'])).toBe('through the API')
    const none = await env.ipfrs(['shutdown'])
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('no daemon is running')
  }, 180_000)
})
