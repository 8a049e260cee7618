import { waitFor } from '@ipfrs/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { IdleCollector } from '../src/idle-gc.js'

describe('IdleCollector', () => {
  let collector: IdleCollector | undefined
  afterEach(() => collector?.stop())

  it('collects once after a busy period goes quiet, and not again until new requests come', async () => {
    collector = new IdleCollector(100)
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(collector.collections).toBe(0) // never busy: nothing to give back
    collector.touch()
    await waitFor(() => collector?.collections === 1)
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(collector.collections).toBe(1) // still idle: one collection per busy period
    collector.touch()
    collector.touch()
    await waitFor(() => collector?.collections === 2)
  })

  it('drops what its parts keep for busy periods before each idle collection', async () => {
    collector = new IdleCollector(100)
    const cache = new Map([['k', new Uint8Array(1024)]])
    let released = 0
    collector.onIdle(() => {
      released++
      cache.clear()
    })
    collector.touch()
    await waitFor(() => collector?.collections === 1)
    expect(released).toBe(1)
    expect(cache.size).toBe(0)
  })

  it('gives the memory of a burst back to the system', async () => {
    collector = new IdleCollector(100)
    // a burst of short-lived garbage grows the heap, as a daemon's requests do
    let keep: object[] = []
    for (let i = 0; i < 2_000_000; i++) {
      keep.push({ i, s: `${i}` })
      if (keep.length > 200_000) keep = []
    }
    keep = []
    const grown = process.memoryUsage().heapTotal
    collector.touch()
    await waitFor(() => collector?.collections === 1)
    expect(process.memoryUsage().heapTotal).toBeLessThan(grown)
  })

  it('collects once after start-up, before any request', async () => {
    collector = new IdleCollector(60_000)
    collector.afterStartup(50)
    await waitFor(() => collector?.collections === 1)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(collector.collections).toBe(1)
  })
})
