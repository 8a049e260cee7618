import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cidOf } from '@ipfrs/core'
import { CarReader, CarWriter } from '@ipld/car'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cliEnv } from './helpers.js'

type Env = Awaited<ReturnType<typeof cliEnv>>

describe('ipfrs CLI end to end (real process, temp repo)', () => {
  let env: Env
  beforeEach(async () => {
    env = await cliEnv()
    await env.ok(['init'])
  })
  afterEach(async () => env.cleanup())

  it('add | cat | get round-trip with Kubo output shapes', async () => {
    const file = join(env.dir, 'hello.txt')
    await writeFile(file, 'hello\n')
    expect(await env.ok(['add', file])).toBe('added QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN hello.txt')
    expect(await env.ok(['add', '-q', file])).toBe('QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN')
    expect(await env.ok(['add', '-Q'], 'hello\n')).toBe('QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN')
    const json = JSON.parse(await env.ok(['add', '--json', file]))
    expect(json).toEqual({ Name: 'hello.txt', Hash: 'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN', Size: '14' }) // Kubo's Size: 6 bytes + 8 of dag-pb
    expect(await env.ok(['cat', 'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN'])).toBe('hello')
    const out = join(env.dir, 'out.txt')
    await env.ok(['get', 'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN', '-o', out])
    expect(await readFile(out, 'utf8')).toBe('hello\n')
    const v1 = await env.ok(['add', '-Q', '--cid-version', '1', file])
    expect(v1.startsWith('bafk')).toBe(true) // one raw leaf, as Kubo
  })

  it('adds a directory with -r (the directory is the root), lists it and gets it back', async () => {
    const src = join(env.dir, 'site')
    await mkdir(join(src, 'sub'), { recursive: true })
    await writeFile(join(src, 'index.html'), '<h1>hi</h1>')
    await writeFile(join(src, 'sub', 'a.txt'), 'A'.repeat(300_000))
    await writeFile(join(src, '.hidden'), 'secret')
    const lines = (await env.ok(['add', '-r', src])).split('\n')
    expect(lines.map((l) => l.split(' ')[2])).toEqual(['site/index.html', 'site/sub/a.txt', 'site/sub', 'site'])
    const root = lines.at(-1)!.split(' ')[1]!
    const ls = await env.ok(['ls', root])
    expect(ls).toMatch(/ index\.html$/m)
    expect(ls).toMatch(/ sub\/$/m)
    expect(ls).not.toContain('.hidden')
    const out = join(env.dir, 'copy')
    await env.ok(['get', root, '-o', out])
    expect(await readFile(join(out, 'sub', 'a.txt'), 'utf8')).toBe('A'.repeat(300_000))
    expect(await env.ok(['cat', `${root}/index.html`])).toBe('<h1>hi</h1>')
    const noR = await env.ipfrs(['add', src])
    expect(noR.code).toBe(1)
    expect(noR.stderr).toMatch(/^Error: .*is a directory/)
  })

  it('add -r refuses a tree holding a name that cannot be stored (a backslash), storing nothing', async () => {
    const src = join(env.dir, 'tree')
    await mkdir(join(src, 'sub'), { recursive: true })
    await writeFile(join(src, 'a.txt'), 'a')
    await writeFile(join(src, 'sub', 'b\\c.txt'), 'b')
    const objects = async () => (await env.ok(['repo', 'stat'])).split('\n')[0]
    const before = await objects()
    const r = await env.ipfrs(['add', '-r', src, '--debug'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^Error: refusing unsafe directory entry name "b\\\\c\.txt"/)
    expect(r.stderr).toContain('code: ERR_UNSAFE_PATH')
    expect(await objects()).toBe(before)
  })

  it('--chunker, --raw-leaves and --only-hash', async () => {
    const file = join(env.dir, 'data.bin')
    await writeFile(file, Buffer.alloc(100_000, 9))
    const a = await env.ok(['add', '-Q', '--chunker', 'size-1024', file])
    const b = await env.ok(['add', '-Q', file])
    expect(a).not.toBe(b)
    const c = await env.ok(['add', '-Q', '--raw-leaves', file])
    expect(c).not.toBe(b)
    const fresh = await cliEnv()
    try {
      await fresh.ok(['init'])
      expect(await fresh.ok(['add', '-Q', '-n', file])).toBe(b)
      expect(JSON.parse(await fresh.ok(['repo', 'stat', '--json'])).NumObjects).toBe(0)
    } finally {
      await fresh.cleanup()
    }
  })

  it('block put/get/stat/rm, pin add/rm/ls and gc', async () => {
    const key = await env.ok(['block', 'put'], 'some raw bytes')
    expect(key.startsWith('bafk')).toBe(true)
    expect(await env.ok(['block', 'get', key])).toBe('some raw bytes')
    expect(JSON.parse(await env.ok(['block', 'stat', '--json', key]))).toEqual({ Key: key, Size: 14 })
    await env.ok(['pin', 'add', '--no-recursive', key])
    expect(await env.ok(['pin', 'ls', '--type', 'direct'])).toBe(`${key} direct`)
    const refused = await env.ipfrs(['block', 'rm', key])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^Error: block .* is pinned/)
    await env.ok(['pin', 'rm', key])
    expect(await env.ok(['gc', '--dry-run', '-q'])).toMatch(/^would remove 1 blocks/)
    expect(await env.ok(['block', 'get', key])).toBe('some raw bytes')
    expect(await env.ok(['repo', 'gc'])).toContain(`removed ${key}`)
    const gone = await env.ipfrs(['block', 'get', key])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toMatch(/^Error: block .* not found/)
    const pinned = await env.ok(['add', '-Q'], 'kept by its pin')
    await env.ok(['gc'])
    expect(await env.ok(['cat', pinned])).toBe('kept by its pin')
    expect(await env.ok(['pin', 'ls', '-q', '--type', 'recursive'])).toBe(pinned)
  })

  it('gc --min-age spares what was just added', async () => {
    await env.ok(['add', '-Q', '--no-pin'], 'fresh and unpinned')
    expect(await env.ok(['gc', '--min-age', '3600'])).toMatch(/^removed 0 blocks; kept 0 pinned and 1 younger/)
    expect(await env.ok(['gc'])).toMatch(/^removed .*\nremoved 1 blocks/)
  })

  it('dag export writes a CAR that @ipld/car reads; dag import takes a CAR @ipld/car wrote', async () => {
    const file = join(env.dir, 'f.bin')
    const bytes = randomBytes(700_000)
    await writeFile(file, bytes)
    const root = await env.ok(['add', '-Q', file])
    const car = (await env.ipfrs(['dag', 'export', root])).stdout
    const reader = await CarReader.fromBytes(car)
    expect((await reader.getRoots()).map(String)).toEqual([root])
    let blocks = 0
    for await (const _ of reader.blocks()) blocks++
    expect(blocks).toBe(4) // 3 leaves of 256 KiB max + the root

    const other = await cliEnv()
    try {
      await other.ok(['init'])
      expect(await other.ok(['dag', 'import'], car)).toContain(`pinned root ${root}`)
      const copy = (await other.ipfrs(['cat', root])).stdout
      expect(createHash('sha256').update(copy).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'))

      // a CAR written by @ipld/car itself, with one block whose bytes lie about their CID
      const good = new TextEncoder().encode('honest')
      const { writer, out } = CarWriter.create([cidOf(good, 0x55)])
      const chunks: Uint8Array[] = []
      const drain = (async () => {
        for await (const c of out) chunks.push(c)
      })()
      await writer.put({ cid: cidOf(good, 0x55), bytes: good })
      await writer.put({
        cid: cidOf(new TextEncoder().encode('original'), 0x55),
        bytes: new TextEncoder().encode('forged!!'),
      })
      await writer.close()
      await drain
      const bad = await other.ipfrs(['dag', 'import', '--no-pin-roots'], Buffer.concat(chunks))
      expect(bad.code).toBe(1)
      expect(bad.stderr).toMatch(/^Error: invalid CAR: block .* does not match its hash/)
      expect(await other.ok(['block', 'get', cidOf(good, 0x55).toString()])).toBe('honest')
      expect((await other.ipfrs(['repo', 'verify'])).code).toBe(0)
      const garbage = await other.ipfrs(['dag', 'import'], 'this is not a CAR file')
      expect(garbage.code).toBe(1)
      expect(garbage.stderr).toMatch(/^Error: invalid CAR/)
    } finally {
      await other.cleanup()
    }
  })

  it('config show/get/set with validation, id and version', async () => {
    const config = JSON.parse(await env.ok(['config', 'show']))
    expect(config.Import.CidVersion).toBe(0)
    expect(await env.ok(['config', 'Compression.Algorithm'])).toBe('none')
    await env.ok(['config', 'set', 'Compression.Algorithm', 'zstd'])
    expect(await env.ok(['config', 'get', 'Compression.Algorithm'])).toBe('zstd')
    await env.ok(['config', '--json', 'Addresses.Swarm', '["/ip4/127.0.0.1/tcp/4010"]'])
    expect(JSON.parse(await env.ok(['config', 'Addresses.Swarm']))).toEqual(['/ip4/127.0.0.1/tcp/4010'])
    const bad = await env.ipfrs(['config', 'set', 'Compression.Algorithm', 'gzip'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^Error: invalid config Compression.Algorithm/)
    expect(await env.ok(['config', 'get', 'Compression.Algorithm'])).toBe('zstd')
    const id = JSON.parse(await env.ok(['id', '--json']))
    expect(id.ID).toBe(config.Identity.PeerID)
    expect(await env.ok(['id', '-f', '<id>'])).toBe(config.Identity.PeerID)
    expect(await env.ok(['version', '-n'])).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('bad input: one clear line on stderr, exit 1, no stack trace unless --debug', async () => {
    for (const args of [
      ['cat', 'not-a-cid'],
      ['cat', 'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN'],
      ['block', 'get', 'bafy!!'],
    ]) {
      const r = await env.ipfrs(args)
      expect(r.code).toBe(1)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(/^Error: /)
    }
    const debug = await env.ipfrs(['--debug', 'cat', 'not-a-cid'])
    expect(debug.stderr).toContain('code: ERR_INVALID_CID')
    expect(debug.stderr).toMatch(/\n\s+at /)
    const noRepo = await env.ipfrs(['cat', 'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN'], undefined, {
      IPFRS_PATH: join(env.dir, 'none'),
    })
    expect(noRepo.stderr).toMatch(/^Error: no IPFRS repo at .* \(run "ipfrs init"\)/)
    const big = await env.ipfrs(['block', 'put'], Buffer.alloc(2 * 1024 * 1024))
    expect(big.stderr).toMatch(/^Error: block of 2097152 bytes exceeds/)
    const unknown = await env.ipfrs(['frobnicate'])
    expect(unknown.code).toBe(1)
  })

  it('init writes the public bootstrap list as Kubo does; --profile test starts closed on 127.0.0.1', async () => {
    const list = (await env.ok(['bootstrap', 'list'])).split('\n')
    expect(list).toHaveLength(7)
    expect(list).toContain('/ip4/104.131.131.82/tcp/4001/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ')
    const closed = await cliEnv()
    try {
      await closed.ok(['init', '--profile', 'test'])
      expect(await closed.ok(['bootstrap', 'list'])).toBe('')
      expect(JSON.parse(await closed.ok(['config', 'Addresses.Swarm']))).toEqual([
        '/ip4/127.0.0.1/tcp/0',
        '/ip4/127.0.0.1/udp/0/quic-v1',
      ])
    } finally {
      await closed.cleanup()
    }
  })

  it('every command has --help', async () => {
    const top = await env.ok(['--help'])
    for (const cmd of [
      'init',
      'add',
      'cat',
      'get',
      'ls',
      'block',
      'pin',
      'gc',
      'repo',
      'dag',
      'config',
      'id',
      'version',
    ]) {
      expect(top).toContain(cmd)
      const help = await env.ok([cmd, '--help'])
      expect(help).toMatch(/^Usage: ipfrs /)
    }
    for (const sub of [
      ['block', 'put'],
      ['pin', 'ls'],
      ['repo', 'verify'],
      ['dag', 'export'],
    ]) {
      expect(await env.ok([...sub, '--help'])).toMatch(/^Usage: ipfrs /)
    }
  })
})
