import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cliEnv } from './helpers.js'

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
      new RegExp(`^indexed ${cids['dht.txt']} \\(\\d+ bytes\\)\\nindexed ${cids['hnsw.txt']} `),
    )
    const json = JSON.parse(await env.ok(['semantic', 'index', '--json', cids['bread.txt']!]))
    expect(json).toEqual({ Cid: cids['bread.txt'], Bytes: docs['bread.txt'].length, Truncated: false })
    expect(await readdir(join(env.repo, 'semantic'))).toContain('index.full')

    // a new process: the index was saved on stop and is restored on start
    const top = (await env.ok(['semantic', 'query', 'nearest neighbour graph search', '--top-k', '2'])).split('\n')
    expect(top).toHaveLength(2)
    expect(top[0]!.split(' ')[0]).toBe(cids['hnsw.txt'])
    const q = JSON.parse(await env.ok(['semantic', 'query', '--json', 'which peers provide this content', '-k', '1']))
    expect(q.Results).toHaveLength(1)
    expect(q.Results[0].Cid).toBe(cids['dht.txt'])
    expect(typeof q.Results[0].Score).toBe('number')
    expect(JSON.parse(await env.ok(['semantic', 'stats', '--json']))).toMatchObject({ Vectors: 3, Dimension: 384 })
  })

  it('add --index indexes every added text file; binary files and directories are skipped', async () => {
    const src = join(env.dir, 'notes')
    await mkdir(src)
    await writeFile(join(src, 'a.txt'), 'gossipsub spreads block announcements over a mesh of peers')
    await writeFile(join(src, 'b.txt'), 'tensor streaming with apache arrow record batches')
    await writeFile(join(src, 'c.bin'), Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]))
    const r = await env.ipfrs(['add', '-r', '--index', src])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/not indexed: .*not UTF-8 text/)
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
    await env.ok(['config', 'Semantic.Enabled', 'false', '--json'])
    const off = await env.ipfrs(['semantic', 'query', 'anything'])
    expect(off.code).toBe(1)
    expect(off.stderr).toMatch(/Semantic\.Enabled/)
  })
})
