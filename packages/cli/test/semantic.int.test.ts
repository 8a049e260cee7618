import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cliEnv, testRepo } from './helpers.js'

type Env = Awaited<ReturnType<typeof cliEnv>>

describe('ipfrs semantic (real process, temp repo)', () => {
  let env: Env
  beforeEach(async () => {
    env = await cliEnv()
    await env.ok(['init'])
  })
  afterEach(async () => env.cleanup())

  it('indexes text files by CID and finds them by query across runs (the index persists in the repo)', async () => {
    const docs = {
      'dht.txt': 'Kademlia distributed hash table finds the peers that provide a content identifier',
      'hnsw.txt': 'HNSW builds a layered proximity graph for approximate nearest neighbour search',
      'bread.txt': 'Sourdough bread needs flour, water, salt and a lot of patience',
    }
    const cids: Record<string, string> = {}
    for (const [name, text] of Object.entries(docs)) {
      const file = join(env.dir, name)
      await writeFile(file, text)
      cids[name] = await env.ok(['add', '-Q', file])
    }
    expect(await env.ok(['semantic', 'index', cids['dht.txt']!, cids['hnsw.txt']!])).toMatch(
      new RegExp(`^indexed ${cids['dht.txt']} \\(\\d+ bytes, text, 1 chunk\\)\\nindexed ${cids['hnsw.txt']} `),
    )
    const json = JSON.parse(await env.ok(['semantic', 'index', '--json', cids['bread.txt']!]))
    expect(json).toEqual({
      Cid: cids['bread.txt'],
      Bytes: docs['bread.txt'].length,
      Truncated: false,
      PublishedTo: [],
      Kind: 'text',
      Chunks: 1,
    })
    expect(await readdir(join(env.repo, 'semantic'))).toContain('index.full')

    // a new process: the index was saved on stop and is restored on start
    const top = (await env.ok(['semantic', 'query', 'nearest neighbour graph search', '--top-k', '2'])).split('\n')
    expect(top).toHaveLength(4) // "<cid> <score>", then the best passage indented, per hit
    expect(top[0]!.split(' ')[0]).toBe(cids['hnsw.txt'])
    expect(top[1]).toBe(`    ${docs['hnsw.txt']}`)
    // the model ranks by meaning: no word of this query is in the bread document
    const baking = await env.ok(['semantic', 'query', 'how to bake a loaf at home', '-k', '1'])
    expect(baking.split(' ')[0]).toBe(cids['bread.txt'])
    const q = JSON.parse(await env.ok(['semantic', 'query', '--json', 'which peers provide this content', '-k', '1']))
    expect(q.Results).toHaveLength(1)
    expect(q.Results[0].Cid).toBe(cids['dht.txt'])
    expect(typeof q.Results[0].Score).toBe('number')
    expect(JSON.parse(await env.ok(['semantic', 'stats', '--json']))).toMatchObject({
      Vectors: 3,
      Documents: 3,
      Dimension: 512,
      Embedder: 'use',
    })
  })

  it('add --index indexes every added text file; binary files and directories are skipped', async () => {
    const src = join(env.dir, 'notes')
    await mkdir(src)
    await writeFile(join(src, 'a.txt'), 'gossipsub spreads block announcements over a mesh of peers')
    await writeFile(join(src, 'b.txt'), 'tensor streaming with apache arrow record batches')
    await writeFile(join(src, 'c.bin'), Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]))
    const r = await env.ipfrs(['add', '-r', '--index', src])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/not indexed: .*is not text \(it contains NUL bytes\); skipped/)
    const a = r.stdout
      .toString()
      .split('\n')
      .find((l) => l.endsWith('notes/a.txt'))!
      .split(' ')[1]
    expect((await env.ok(['semantic', 'query', 'mesh of peers announcing blocks', '-k', '1'])).split(' ')[0]).toBe(a)
    expect(JSON.parse(await env.ok(['semantic', 'stats', '--json'])).Vectors).toBe(2)
  })

  it('reports bad input as errors with exit code 1', async () => {
    const bad = await env.ipfrs(['semantic', 'index', 'not-a-cid'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^Error: /)
    const badK = await env.ipfrs(['semantic', 'query', 'x', '--top-k', '0'])
    expect(badK.code).toBe(1)
    const empty = await env.ipfrs(['semantic', 'query', '...'])
    expect(empty.code).toBe(1)
    expect(empty.stderr).toMatch(/no letters or digits/)
    // another embedder than the one that made the index: refused with a clear error until a reindex
    const file = join(env.dir, 'whales.txt')
    await writeFile(file, 'Whales sing long songs that travel across the ocean.')
    const cid = await env.ok(['add', '-Q', file])
    await env.ok(['semantic', 'index', cid])
    await env.ok(['config', '--json', 'Semantic', '{"Enabled":true,"Embedder":"hashing","Dimension":128}'])
    const mixed = await env.ipfrs(['semantic', 'query', 'whales'])
    expect(mixed.code).toBe(1)
    expect(mixed.stderr).toMatch(/made by embedder use-lite.*run `ipfrs semantic reindex`/)
    expect(await env.ok(['semantic', 'reindex'])).toBe('reindexed 1 documents with hashing-v1/128/3,4/1,0.8,0.3/0')
    expect((await env.ok(['semantic', 'query', 'whales sing', '-k', '1'])).split(' ')[0]).toBe(cid)
    await env.ok(['config', 'Semantic.Enabled', 'false', '--json'])
    const off = await env.ipfrs(['semantic', 'query', 'anything'])
    expect(off.code).toBe(1)
    expect(off.stderr).toMatch(/Semantic\.Enabled/)
  })
})

describe('ipfrs semantic through running daemons', () => {
  const envs: Env[] = []
  afterEach(async () => {
    for (const e of envs) await e.ipfrs(['daemon', 'stop'])
    await Promise.allSettled(envs.map((e) => e.cleanup()))
    envs.length = 0
  })

  it('index, query, stats and add --index go through the daemon; query --network finds a peer’s file', async () => {
    const a = await testRepo()
    const b = await testRepo()
    envs.push(a, b)
    await a.ok(['daemon', '-d'])
    await b.ok(['daemon', '-d'])
    const bId = JSON.parse(await b.ok(['id', '--json'])) as { ID: string; Addresses: string[] }
    const bAddr = bId.Addresses.find((x) => x.includes('/127.0.0.1/tcp/'))
    expect(bAddr).toBeDefined()
    await a.ok(['swarm', 'connect', bAddr!])

    // on A, through its daemon (which holds the repo lock)
    const note = join(a.dir, 'note.txt')
    await writeFile(note, 'Kademlia distributed hash table finds the peers that provide a content identifier')
    const noteCid = await a.ok(['add', '-Q', '--index', note])
    expect((await a.ok(['semantic', 'query', 'which peers provide content', '-k', '1'])).split(' ')[0]).toBe(noteCid)
    const other = join(a.dir, 'other.txt')
    await writeFile(other, 'HNSW builds a layered proximity graph for approximate nearest neighbour search')
    const otherCid = await a.ok(['add', '-Q', other])
    expect(await a.ok(['semantic', 'index', otherCid])).toMatch(new RegExp(`^indexed ${otherCid} `))
    const stats = JSON.parse(await a.ok(['semantic', 'stats', '--json']))
    expect(stats).toMatchObject({ Vectors: 2, Online: true })

    // B holds a file A does not; A's network search names B as its provider, and A can cat it from B
    const bread = 'Sourdough bread needs flour, water, salt and a lot of patience'
    const breadFile = join(b.dir, 'bread.txt')
    await writeFile(breadFile, bread)
    const breadCid = await b.ok(['add', '-Q', '--index', breadFile])
    const local = JSON.parse(await a.ok(['semantic', 'query', '--json', 'flour water salt bread', '-k', '1']))
    expect(local.Results[0].Cid).not.toBe(breadCid)
    let hit: { Cid: string; Score: number; Provider: string } | undefined
    for (let i = 0; i < 50 && hit?.Cid !== breadCid; i++) {
      const out = JSON.parse(
        await a.ok(['semantic', 'query', '--network', '--json', 'flour water salt bread', '-k', '1']),
      )
      hit = out.Results[0]
      if (hit?.Cid !== breadCid) await new Promise((r) => setTimeout(r, 200))
    }
    expect(hit).toMatchObject({ Cid: breadCid, Provider: bId.ID })
    expect(await a.ok(['cat', breadCid])).toBe(bread)
    const text = await a.ok(['semantic', 'query', '--network', 'flour water salt bread', '-k', '1'])
    expect(text).toMatch(new RegExp(`^${breadCid} \\d\\.\\d{4} ${bId.ID}$`))
  }, 60_000)

  it('query --network without a daemon is an offline error', async () => {
    const env = await cliEnv()
    envs.push(env)
    await env.ok(['init', '--profile', 'test'])
    const r = await env.ipfrs(['semantic', 'query', '--network', 'anything'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^Error: .*offline/)
  })
})
