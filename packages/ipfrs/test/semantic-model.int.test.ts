import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { codeOf } from '@ipfrs/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNode, type Node } from '../src/index.js'
import { tempNode } from './helpers.js'

interface Pair {
  doc: string
  query: string
}
const { pairs } = JSON.parse(await readFile(new URL('./fixtures/paraphrases.json', import.meta.url), 'utf8')) as {
  pairs: Pair[]
}
const text = (s: string) => new TextEncoder().encode(s)

describe('the semantic index of a new repo: the Universal Sentence Encoder, chunked documents', () => {
  let node: Node
  let dir: string
  let cleanup: () => Promise<void>
  const cids: string[] = []

  beforeAll(async () => {
    ;({ node, dir, cleanup } = await tempNode())
    for (const p of pairs) {
      const { cid } = await node.addBytes(text(p.doc))
      cids.push(cid.toString())
      await node.semantic.indexCid(cid.toString())
    }
  }, 120_000)

  afterAll(async () => cleanup?.())

  it('uses the model by default and records it beside the index', async () => {
    expect(node.config.Semantic.Embedder).toBe('use')
    expect(node.semantic.stats()).toMatchObject({ embedder: expect.stringMatching(/^use-lite\//), documents: 20 })
  })

  it('ranks the right document first for at least 85% of paraphrased queries with little word overlap', async () => {
    let top1 = 0
    for (const [i, p] of pairs.entries()) {
      const [hit] = await node.semantic.query(p.query, 1)
      if (hit?.cid === cids[i]) top1++
    }
    expect(top1 / pairs.length).toBeGreaterThanOrEqual(0.85)
  })

  it('indexes a long markdown document by paragraph and answers with the best chunk as a snippet, each CID once', async () => {
    const filler = (topic: string) =>
      Array.from({ length: 10 }, (_, i) => `Paragraph ${i} about ${topic}, with details that go on for a while.`).join(
        ' ',
      )
    const md = [
      '# Travel notes',
      filler('train timetables and railway stations in the north'),
      '## Food',
      'We ate freshly baked bread with olive oil and tomatoes at a small bakery in the old town.',
      filler('the weather, which was grey and windy'),
    ].join('\n\n')
    const { cid } = await node.addBytes(text(md))
    const r = await node.semantic.indexCid(cid.toString())
    expect(r).toMatchObject({ kind: 'markdown' })
    expect(r.chunks).toBeGreaterThanOrEqual(2)
    const hits = await node.semantic.query('a meal of loaves and vegetables at a patisserie', 30)
    const mine = hits.filter((h) => h.cid === cid.toString())
    expect(mine).toHaveLength(1) // once, however many of its chunks matched
    expect(mine[0]?.snippet).toContain('bakery')
    expect(md.slice(mine[0]!.offset!)).toMatch(/^## Food\s+We ate freshly baked bread/)
  })

  it('reads HTML as its visible text and JSON as its strings', async () => {
    const html =
      '<html><head><style>p{color:red}</style><script>var x = "bakery"</script></head><body><p>Volcanoes erupt molten rock &amp; ash.</p></body></html>'
    const { cid: h } = await node.addBytes(text(html))
    expect(await node.semantic.indexCid(h.toString())).toMatchObject({ kind: 'html', chunks: 1 })
    const [hit] = await node.semantic.query('lava from a mountain explosion', 1)
    expect(hit).toMatchObject({ cid: h.toString(), snippet: 'Volcanoes erupt molten rock & ash.' })
    const { cid: j } = await node.addBytes(text(JSON.stringify({ title: 'Whales sing songs under the ocean', n: 3 })))
    expect(await node.semantic.indexCid(j.toString())).toMatchObject({ kind: 'json' })
  })

  it('skips binary content with a typed error naming why, and stores nothing for it', async () => {
    const before = node.semantic.stats().vectors
    const { cid } = await node.addBytes(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0xff, 0xfe]))
    const err = await node.semantic.indexCid(cid.toString()).catch((e: Error) => e)
    expect(err).toMatchObject({ code: 'ERR_INVALID_PARAMETER', message: expect.stringMatching(/not text/) })
    expect(node.semantic.stats().vectors).toBe(before)
  })

  it('embeds off the event loop: a large document does not stall the node', async () => {
    const big = Array.from(
      { length: 60 },
      (_, i) => `Section ${i}. ${pairs[i % 20]!.doc} ${pairs[(i + 7) % 20]!.doc}`,
    ).join('\n\n')
    const { cid } = await node.addBytes(text(big))
    const delay = monitorEventLoopDelay({ resolution: 10 })
    delay.enable()
    const r = await node.semantic.indexCid(cid.toString())
    delay.disable()
    expect(r.chunks).toBeGreaterThan(10)
    // the model runs in a worker thread: the main thread's longest stall stays far below the seconds embedding takes
    expect(delay.max / 1e6).toBeLessThan(500)
  })

  it('refuses an index made by another embedder until `reindex` re-embeds it with the configured one', async () => {
    const repo = join(dir, 'repo')
    const documents = node.semantic.stats().documents!
    await node.stop()
    const config = JSON.parse(await readFile(join(repo, 'config'), 'utf8'))
    config.Semantic.Embedder = 'hashing'
    config.Semantic.Dimension = 256
    await writeFile(join(repo, 'config'), JSON.stringify(config))
    node = createNode({ repoPath: repo })
    await node.start()
    expect(node.semantic.stats().mismatch).toMatch(/ipfrs semantic reindex/)
    expect(await codeOf(node.semantic.query('anything', 1))).toBe('ERR_EMBEDDER_MISMATCH')
    expect(await codeOf(node.semantic.indexCid(cids[0]!))).toBe('ERR_EMBEDDER_MISMATCH')
    const r = await node.semantic.reindex()
    expect(r.reindexed).toBe(documents)
    expect(r.skipped).toEqual([])
    expect(r.embedder).toMatch(/^hashing-v1\/256/)
    expect(node.semantic.stats()).toMatchObject({ documents, embedder: r.embedder })
    expect(node.semantic.stats().mismatch).toBeUndefined()
    // word hashing finds the documents by their own words
    const [hit] = await node.semantic.query(pairs[3]!.doc, 1)
    expect(hit?.cid).toBe(cids[3])
    await node.stop()
    node = createNode({ repoPath: repo })
    await node.start()
    expect(node.semantic.stats().documents).toBe(documents)
    expect(node.semantic.stats().mismatch).toBeUndefined()
  }, 120_000)
})
