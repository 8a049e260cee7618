import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cliEnv, safetensors, testRepo } from './helpers.js'

type Env = Awaited<ReturnType<typeof cliEnv>>

describe('ipfrs tensor (real process, temp repo)', () => {
  let env: Env
  beforeEach(async () => {
    env = await cliEnv()
    await env.ok(['init'])
  })
  afterEach(async () => env.cleanup())

  it('import, ls, get and export a safetensors model; add still cats the file byte for byte', async () => {
    const file = safetensors()
    const path = join(env.dir, 'model.safetensors')
    await writeFile(path, file)
    const root = await env.ok(['add', '-Q', path])
    expect(Buffer.compare((await env.ipfrs(['cat', root])).stdout, file)).toBe(0)
    const model = await env.ok(['tensor', 'import', path])
    expect(model.startsWith('bafyrei')).toBe(true)
    const lines = (await env.ok(['tensor', 'ls', model])).split('\n')
    expect(lines.map((l) => l.split(' ').slice(1).join(' '))).toEqual(['F32 [500, 100] 200000 w', 'BF16 [4] 8 b'])
    const json = (await env.ok(['--json', 'tensor', 'ls', model])).split('\n').map((l) => JSON.parse(l))
    expect(json[1]).toMatchObject({ Name: 'b', Dtype: 'BF16', Shape: [4], Size: 8 })
    const out = join(env.dir, 'out.safetensors')
    await env.ok(['tensor', 'export', model, '-o', out])
    expect(Buffer.compare(await readFile(out), file)).toBe(0)
    const b = (await env.ipfrs(['tensor', 'get', lines[1]!.split(' ')[0]!])).stdout
    expect([...b]).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    const raw = join(env.dir, 'w.raw')
    await env.ok(['tensor', 'get', lines[0]!.split(' ')[0]!, '-o', raw])
    expect(Buffer.compare(await readFile(raw), file.subarray(file.byteLength - 8 - 200_000, file.byteLength - 8))).toBe(
      0,
    )
  })

  it('add prints as Kubo (one CID per entry with -q); the file CID is the handle of tensor ls/get/export', async () => {
    const file = safetensors()
    const path = join(env.dir, 'model.safetensors')
    await writeFile(path, file)
    const added = await env.ipfrs(['add', path])
    const [line, ...rest] = added.stdout.toString().trim().split('\n')
    expect(rest).toEqual([])
    const cid = line!.split(' ')[1]!
    expect(line).toBe(`added ${cid} model.safetensors`)
    expect(added.stderr.toString()).toContain('safetensors model with 2 tensors')
    expect(await env.ok(['add', '-q', path])).toBe(cid)
    const json = JSON.parse(await env.ok(['--json', 'add', path]))
    expect(json).toMatchObject({ Hash: cid, Model: { Format: 'safetensors', Tensors: 2 } })
    const lines = (await env.ok(['tensor', 'ls', cid])).split('\n')
    expect(lines).toEqual([`${cid} F32 [500, 100] 200000 w`, `${cid} BF16 [4] 8 b`])
    expect([...(await env.ipfrs(['tensor', 'get', cid, '--name', 'b'])).stdout]).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    const raw = join(env.dir, 'w.raw')
    await env.ok(['tensor', 'get', cid, '--name', 'w', '-o', raw])
    expect(Buffer.compare(await readFile(raw), file.subarray(file.byteLength - 8 - 200_000, file.byteLength - 8))).toBe(
      0,
    )
    const out = join(env.dir, 'out.safetensors')
    await env.ok(['tensor', 'export', cid, '-o', out])
    expect(Buffer.compare(await readFile(out), file)).toBe(0)
    const missing = await env.ipfrs(['--debug', 'tensor', 'get', cid, '--name', 'nope'])
    expect(missing.code).toBe(1)
    expect(missing.stderr.toString()).toContain('ERR_TENSOR_NOT_FOUND')
  })

  it('bad input: one line on stderr, exit 1', async () => {
    const bad = join(env.dir, 'bad.safetensors')
    await writeFile(bad, Buffer.from('{"not": "safetensors"}'))
    for (const args of [
      ['tensor', 'import', bad],
      ['tensor', 'ls', 'nope'],
      ['tensor', 'get', 'bafyreia'],
    ]) {
      const r = await env.ipfrs(args)
      expect(r.code).toBe(1)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr.startsWith('Error: ')).toBe(true)
    }
    const r = await env.ipfrs(['--debug', 'tensor', 'import', bad])
    expect(r.stderr).toContain('ERR_INVALID_SAFETENSORS')
  })

  it('works the same through a running daemon (tensor/* RPC commands)', async () => {
    const d = await cliEnv()
    try {
      await d.ok(['init', '--profile', 'test'])
      await d.ok(['daemon', '-d'])
      const file = safetensors()
      const path = join(d.dir, 'model.safetensors')
      await writeFile(path, file)
      const model = await d.ok(['tensor', 'import', path])
      const lines = (await d.ok(['tensor', 'ls', model])).split('\n')
      expect(lines.map((l) => l.split(' ').slice(1).join(' '))).toEqual(['F32 [500, 100] 200000 w', 'BF16 [4] 8 b'])
      const out = join(d.dir, 'again.safetensors')
      await d.ok(['tensor', 'export', model, '-o', out])
      expect(Buffer.compare(await readFile(out), file)).toBe(0)
      const w = lines[0]!.split(' ')[0]!
      const raw = (await d.ipfrs(['tensor', 'get', w])).stdout
      expect(raw.byteLength).toBe(200_000)
    } finally {
      await d.ipfrs(['daemon', 'stop'])
      await d.cleanup()
    }
  })

  it('fetches over the network: tensor fetch --online from a daemon peer, and tensor get through a daemon', async () => {
    const a = await testRepo()
    const b = await testRepo()
    try {
      await a.ok(['daemon', '-d'])
      const first = safetensors(1)
      const second = safetensors(2)
      await writeFile(join(a.dir, 'first.safetensors'), first)
      await writeFile(join(a.dir, 'second.safetensors'), second)
      const m1 = await a.ok(['tensor', 'import', join(a.dir, 'first.safetensors')])
      const m2 = await a.ok(['tensor', 'import', join(a.dir, 'second.safetensors')])
      const aId = JSON.parse(await a.ok(['id', '--json'])) as { Addresses: string[] }
      const aAddr = aId.Addresses.find((x) => x.includes('/127.0.0.1/tcp/'))!
      await b.ok(['bootstrap', 'add', aAddr])

      // no daemon on B: --online starts B's node for the command, which finds A speaks TensorSwap
      const fetched = JSON.parse(await b.ok(['--json', 'tensor', 'fetch', '--online', m1]))
      expect(fetched).toMatchObject({ cid: m1, kind: 'model', tensors: 2, alreadyHad: 0, viaBitswap: 0 })
      expect(fetched.viaTensorSwap).toBe(fetched.chunks)
      const out = join(b.dir, 'first.safetensors')
      await b.ok(['tensor', 'export', m1, '-o', out]) // offline now: it is all in B's repo
      expect(Buffer.compare(await readFile(out), first)).toBe(0)
      expect(await b.ok(['pin', 'ls', '--type', 'recursive'])).toContain(m1)
      // offline, content B lacks is an error that says so
      const offline = await b.ipfrs(['--debug', 'tensor', 'fetch', m2])
      expect(offline.code).toBe(1)
      expect(offline.stderr).toContain('ERR_OFFLINE')

      // with B's daemon running, tensor ls/get fetch through it
      await b.ok(['daemon', '-d'])
      await b.ok(['swarm', 'connect', aAddr])
      const lines = (await b.ok(['tensor', 'ls', m2])).split('\n')
      const w = lines[0]!.split(' ')[0]!
      const raw = (await b.ipfrs(['tensor', 'get', w])).stdout
      expect(Buffer.compare(raw, second.subarray(second.byteLength - 8 - 200_000, second.byteLength - 8))).toBe(0)
    } finally {
      for (const e of [a, b]) await e.ipfrs(['daemon', 'stop'])
      await a.cleanup()
      await b.cleanup()
    }
  }, 90_000)
})
