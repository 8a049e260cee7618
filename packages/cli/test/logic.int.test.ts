import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cliEnv } from './helpers.js'

type Env = Awaited<ReturnType<typeof cliEnv>>

const PROGRAM = `
parent(tom, bob). parent(bob, ann).
ancestor(X, Y) :- parent(X, Y).
ancestor(X, Y) :- parent(X, Z), ancestor(Z, Y).
d(0). d(1). d(2). d(3). d(4). d(5). d(6). d(7). d(8). d(9).
slow :- d(_), d(_), d(_), d(_), d(_), d(_), d(_), d(_), d(_), d(_), fail.
`

/** The commands every mode (repo opened by the CLI, or a running daemon) must handle alike. */
async function exercise(env: Env): Promise<void> {
  const file = join(env.dir, 'family.pl')
  await writeFile(file, PROGRAM)
  expect(await env.ok(['logic', 'load', file])).toBe('loaded 15 clauses')
  expect(await env.ok(['logic', 'query', 'ancestor(tom, X)'])).toBe('X = bob\nX = ann')
  expect(JSON.parse(await env.ok(['logic', 'query', 'ancestor(X, ann)', '--format', 'json']))).toEqual({
    Answers: [{ X: 'bob' }, { X: 'tom' }],
  })
  expect(await env.ok(['logic', 'query', 'ancestor(tom, X)', '--limit', '1'])).toBe('X = bob')
  expect(await env.ok(['logic', 'query', 'parent(tom, bob)'])).toBe('true')
  expect(await env.ok(['logic', 'query', 'parent(bob, tom)'])).toBe('false')

  const bad = await env.ipfrs(['-D', 'logic', 'query', 'parent(tom,\n X'])
  expect(bad.code).toBe(1)
  expect(bad.stderr).toMatch(/^Error: .* at line 2, column 3\ncode: ERR_PARSE\n/)

  const slow = await env.ipfrs(['-D', 'logic', 'query', 'slow', '--timeout-ms', '200'])
  expect(slow.code).toBe(1)
  expect(slow.stderr).toContain('Error: query time limit exceeded')
  expect(slow.stderr).toContain('code: ERR_TIMEOUT')

  const cid = await env.ok(['logic', 'add-fact', 'parent(ann, joe).'])
  expect(cid).toMatch(/^bafyrei[a-z2-7]+$/)
  expect(await env.ok(['logic', 'add-rule', 'grandparent(X, Z) :- parent(X, Y), parent(Y, Z).'])).toMatch(/^bafy/)
  const wrong = await env.ipfrs(['-D', 'logic', 'add-fact', 'p(X) :- q(X).'])
  expect(wrong.code).toBe(1)
  expect(wrong.stderr).toContain('code: ERR_INVALID_CLAUSE')
  expect(await env.ok(['logic', 'query', 'grandparent(bob, G)'])).toBe('G = joe')
  expect(JSON.parse(await env.ok(['logic', 'stats', '--json']))).toMatchObject({ facts: 13, rules: 4 })

  const proof = await env.ok(['logic', 'prove', 'ancestor(tom, ann)'])
  expect(proof.split('\n')).toEqual([
    'true',
    '  ancestor(tom, ann)',
    '    parent(tom, bob)',
    '    ancestor(bob, ann)',
    '      parent(bob, ann)',
  ])

  const published = (await env.ok(['logic', 'publish', 'likes(ann, tea).'])).split('\n')
  expect(published).toHaveLength(1)
  expect(await env.ok(['logic', 'query', 'likes(ann, X)']).catch((e: Error) => e.message)).toContain(
    'unknown procedure likes/2',
  )
  expect(await env.ok(['logic', 'fetch', published[0] as string])).toBe('likes(ann, tea).')
  expect(await env.ok(['logic', 'query', 'likes(ann, X)'])).toBe('X = tea')
}

describe('ipfrs logic (real process, temp repo)', () => {
  let env: Env
  beforeEach(async () => {
    env = await cliEnv()
  })
  afterEach(async () => {
    await env.ipfrs(['daemon', 'stop'])
    await env.cleanup()
  })

  it('loads, queries, proves, adds, publishes and fetches on the repo; the KB persists between runs', async () => {
    await env.ok(['init'])
    await exercise(env)
    const stats = JSON.parse(await env.ok(['logic', 'stats', '--json']))
    expect(stats.root).toMatch(/^bafyrei/)
    expect(await env.ok(['pin', 'ls', '--type', 'recursive'])).toContain(stats.root)
    const help = await env.ok(['logic', 'query', '--help'])
    expect(help).toContain('--timeout-ms <n>')
    expect(help).toContain('ERR_PARSE')
    const subs = ['load', 'prove', 'add-fact', 'add-rule', 'stats', 'publish', 'fetch']
    const helps = await Promise.all(subs.map((sub) => env.ok(['logic', sub, '--help'])))
    for (const [i, h] of helps.entries()) expect(h).toMatch(new RegExp(`^Usage: ipfrs logic ${subs[i]} `))
  }, 120_000)

  it('combines logic answers with semantic search (query --hybrid)', async () => {
    await env.ok(['init'])
    const docs = {
      dht: 'Kademlia distributed hash table finds the peers that provide a content identifier',
      hnsw: 'HNSW builds a layered proximity graph for approximate nearest neighbour search',
      bread: 'Sourdough bread needs flour, water, salt and a lot of patience',
    }
    const cids: Record<string, string> = {}
    for (const [name, text] of Object.entries(docs)) {
      await writeFile(join(env.dir, `${name}.txt`), text)
      cids[name] = await env.ok(['add', '-Q', '--index', join(env.dir, `${name}.txt`)])
    }
    // topic facts about two of the documents, plus one about a CID that is not indexed
    const program = [
      `about('${cids.dht}', networking).`,
      `about('${cids.hnsw}', networking).`,
      `about(nothing_indexed, networking).`,
    ].join('\n')
    await writeFile(join(env.dir, 'topics.pl'), program)
    await env.ok(['logic', 'load', join(env.dir, 'topics.pl')])

    const out = JSON.parse(
      await env.ok([
        'query',
        '--hybrid',
        '--logic',
        'about(Doc, networking)',
        '--semantic',
        'nearest neighbour graph search',
        '--format',
        'json',
      ]),
    )
    // the CIDs (Qm…) are quoted atoms in the KB, so their printed values are quoted
    expect(out.Answers.map((a: { Bindings: { Doc: string } }) => a.Bindings.Doc)).toEqual([
      `'${cids.hnsw}'`, // the semantic best first
      `'${cids.dht}'`,
      'nothing_indexed', // no score: after the scored ones
    ])
    expect(out.Answers[0].Score).toBeGreaterThan(out.Answers[1].Score)
    expect(out.Answers[0].Cid).toBe(cids.hnsw)
    expect(out.Answers[2].Score).toBeUndefined()
    expect(out.Unmatched.map((h: { Cid: string }) => h.Cid)).toEqual([cids.bread])

    const text = (
      await env.ok([
        'query',
        '--hybrid',
        '--logic',
        'about(D, networking)',
        '--semantic',
        'which peers in the network provide this content',
      ])
    ).split('\n')
    expect(text[0]).toMatch(new RegExp(`^\\d\\.\\d{4} ${cids.dht}\\tD = '${cids.dht}'$`))
    expect(text[2]).toBe('-\tD = nothing_indexed')
    expect(text[3]).toMatch(new RegExp(`^unmatched ${cids.bread} `))
    const usage = await env.ipfrs(['query', '--logic', 'p(X)'])
    expect(usage.code).toBe(1)
    expect(usage.stderr).toContain('--hybrid')
    expect(await env.ok(['query', '--help'])).toMatch(/Semantic hits that no answer\s+reached are listed separately/)
  })

  it('works the same through a running daemon, and the daemon saves the KB when it stops', async () => {
    await env.ok(['init', '--profile', 'test'])
    await env.ok(['config', 'Addresses.API', '/ip4/127.0.0.1/tcp/0'])
    await env.ok(['config', 'Addresses.Gateway', '/ip4/127.0.0.1/tcp/0'])
    await env.ok(['daemon', '--background'])
    await exercise(env)
    // distributed query on the daemon's online node: no peers here, so the answers are the local ones
    const net = JSON.parse(
      await env.ok(['logic', 'query', 'ancestor(tom, X)', '--network', '--timeout-ms', '300', '--json']),
    )
    expect(net.Answers.map((a: { bindings: { X: string } }) => a.bindings.X).sort()).toEqual(['ann', 'bob', 'joe'])
    expect(net.Answers[0].from).toEqual(['local'])
    await env.ok(['daemon', 'stop'])
    // the repo is the CLI's again: the KB the daemon held was snapshotted on stop
    expect(await env.ok(['logic', 'query', 'grandparent(bob, G)'])).toBe('G = joe')
  }, 90_000)
})
