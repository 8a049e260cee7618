import { codeOf } from '@ipfrs/test-utils'
import { afterAll, describe, expect, it } from 'vitest'
import { USE_EMBEDDER_ID, UseEmbedder } from '../src/index.js'

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0)

describe('UseEmbedder: the Universal Sentence Encoder lite in worker threads', () => {
  const embedder = new UseEmbedder({ workers: 2, idleMs: 60_000 })
  afterAll(() => embedder.close())

  it('starts no worker until it embeds', () => {
    expect(embedder.runningWorkers).toBe(0)
    expect(embedder).toMatchObject({ dimension: 512, id: USE_EMBEDDER_ID })
  })

  it('gives unit 512-d vectors that put paraphrases closer than unrelated sentences', async () => {
    const [car, automobile, soup] = await embedder.embedBatch([
      'My car would not start this morning.',
      'The automobile failed to run at dawn.',
      'She stirred the tomato soup slowly.',
    ])
    expect(car).toHaveLength(512)
    expect(Math.hypot(...car!)).toBeCloseTo(1, 3)
    expect(cosine(car!, automobile!)).toBeGreaterThan(cosine(car!, soup!) + 0.2)
    expect(embedder.runningWorkers).toBeGreaterThanOrEqual(1)
  })

  it('is deterministic and keeps input order across batches and workers', async () => {
    const texts = Array.from({ length: 70 }, (_, i) => `sentence number ${i} about topic ${i % 7}`)
    const [a, b] = await Promise.all([embedder.embedBatch(texts), embedder.embedBatch(texts.slice(0, 5))])
    expect(a).toHaveLength(70)
    for (let i = 0; i < 5; i++) expect(cosine(a[i]!, b[i]!)).toBeCloseTo(1, 5)
    expect(cosine(a[3]!, a[4]!)).toBeLessThan(0.999)
  })

  it('refuses empty text and non-strings with ERR_INVALID_PARAMETER, and honours an aborted signal', async () => {
    expect(await codeOf(embedder.embed('  '))).toBe('ERR_INVALID_PARAMETER')
    expect(await codeOf(embedder.embed(3 as unknown as string))).toBe('ERR_INVALID_PARAMETER')
    await expect(embedder.embed('hello', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('ends idle workers and starts new ones on the next call', async () => {
    const quick = new UseEmbedder({ idleMs: 50 })
    await quick.embed('one')
    expect(quick.runningWorkers).toBe(1)
    await new Promise((r) => setTimeout(r, 300))
    expect(quick.runningWorkers).toBe(0)
    expect(await quick.embed('two')).toHaveLength(512)
    await quick.close()
  })
})
