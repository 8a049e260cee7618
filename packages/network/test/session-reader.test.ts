import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { FetchTimeoutError, OfflineError } from '../src/errors.js'
import { sessionReader } from '../src/session-reader.js'

const bytes = new TextEncoder().encode('a block')
const cid = CID.createV1(raw.code, await sha256.digest(bytes))

/** Nothing is here locally. */
const empty = {
  has: async () => false,
  // biome-ignore lint/correctness/useYield: an empty store yields nothing
  get: async function* () {
    throw new Error('not here')
  },
}

/** A session whose peer never answers: the want waits until it is given up. */
const silent = () => ({
  get: async function* (_cid: CID, o?: { signal?: AbortSignal }): AsyncGenerator<Uint8Array> {
    await new Promise((_, reject) => {
      if (o?.signal?.aborted) reject(o.signal.reason)
      o?.signal?.addEventListener('abort', () => reject(o.signal?.reason))
    })
    yield new Uint8Array()
  },
})
const answering = () => ({
  get: async function* (): AsyncGenerator<Uint8Array> {
    yield bytes
  },
})

async function read(store: ReturnType<typeof sessionReader>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of store.get(cid)) parts.push(part)
  return Buffer.concat(parts)
}

describe('sessionReader', () => {
  it('asks an unanswered want again through a fresh session, which gets the block', async () => {
    const sessions = [silent(), answering()]
    let created = 0
    const retried: CID[] = []
    const store = sessionReader({
      local: empty,
      newSession: () => sessions[created++]!,
      checkOnline: () => undefined,
      timeoutSeconds: 30,
      retryMs: 50,
      onRetry: (c) => retried.push(c),
    })
    expect(Buffer.from(await read(store)).toString()).toBe('a block')
    expect(created).toBe(2)
    expect(retried.map(String)).toEqual([cid.toString()])
  })

  it('gives up with ERR_FETCH_TIMEOUT once the fetch is out of time, having asked again meanwhile', async () => {
    let created = 0
    const store = sessionReader({
      local: empty,
      newSession: () => {
        created++
        return silent()
      },
      checkOnline: () => undefined,
      timeoutSeconds: 1,
      retryMs: 100,
    })
    const err = await read(store).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FetchTimeoutError)
    expect((err as FetchTimeoutError).code).toBe('ERR_FETCH_TIMEOUT')
    expect(created).toBeGreaterThan(1)
  })

  it('fails with ERR_OFFLINE as soon as the last peer disconnects, without waiting out the retry interval', async () => {
    let online = true
    const listeners = new Set<() => void>()
    const store = sessionReader({
      local: empty,
      newSession: silent,
      checkOnline: () => {
        if (!online) throw new OfflineError(cid.toString())
      },
      whenOffline: (listener) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
      timeoutSeconds: 30,
      retryMs: 60_000,
    })
    const reading = read(store).catch((e: unknown) => e)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(listeners.size).toBe(1) // the want in flight listens
    online = false
    for (const l of listeners) l()
    const err = await reading
    expect(err).toMatchObject({ code: 'ERR_OFFLINE' })
    expect(listeners.size).toBe(0) // and stops listening once it is settled
  })

  it('stops at once when the caller gives up, and reads local blocks without asking anyone', async () => {
    const controller = new AbortController()
    const store = sessionReader({
      local: empty,
      newSession: silent,
      checkOnline: () => undefined,
      timeoutSeconds: 30,
    })
    const reading = (async () => {
      for await (const _ of store.get(cid, { signal: controller.signal })) {
      }
    })()
    controller.abort(new Error('client went away'))
    await expect(reading).rejects.toThrow('client went away')

    const local = sessionReader({
      local: { has: async () => true, get: answering().get },
      newSession: () => {
        throw new Error('no session needed')
      },
      checkOnline: () => undefined,
      timeoutSeconds: 30,
    })
    expect(Buffer.from(await read(local)).toString()).toBe('a block')
  })

  it('asks one block at first and one more at once for every block received (slow start)', async () => {
    const blocks = await Promise.all(
      Array.from({ length: 7 }, async (_, i) => {
        const b = new TextEncoder().encode(`block ${i}`)
        return { cid: CID.createV1(raw.code, await sha256.digest(b)), bytes: b }
      }),
    )
    const asked: string[] = []
    const answers = new Map<string, () => void>()
    const store = sessionReader({
      local: empty,
      newSession: () => ({
        get: async function* (c: CID): AsyncGenerator<Uint8Array> {
          asked.push(c.toString())
          await new Promise<void>((resolve) => answers.set(c.toString(), resolve))
          yield blocks.find((b) => b.cid.equals(c))!.bytes
        },
      }),
      checkOnline: () => undefined,
      timeoutSeconds: 30,
    })
    const readOne = async (c: CID) => {
      const parts: Uint8Array[] = []
      for await (const part of store.get(c)) parts.push(part)
      return Buffer.concat(parts).toString()
    }
    const reads = blocks.map((b) => readOne(b.cid))
    const settle = () => new Promise((r) => setTimeout(r, 20))
    const askedNow = async () => {
      await settle()
      return asked.length
    }
    expect(await askedNow()).toBe(1)
    answers.get(blocks[0]!.cid.toString())!()
    expect(await askedNow()).toBe(3) // one received: two in flight
    answers.get(blocks[1]!.cid.toString())!()
    answers.get(blocks[2]!.cid.toString())!()
    expect(await askedNow()).toBe(7) // three received: four in flight
    for (const b of blocks.slice(3)) answers.get(b.cid.toString())!()
    expect(await Promise.all(reads)).toEqual(blocks.map((_, i) => `block ${i}`))
    expect(asked).toEqual(blocks.map((b) => b.cid.toString()))
  })
})
