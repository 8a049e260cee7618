import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rpc, startDaemon, type TestDaemon } from './helpers.js'

/** A goal with 2^40 ways to fail: it never ends on its own, and never gets deep (each `b` is a fact). */
const BIG_RULE = `big :- ${Array.from({ length: 40 }, (_, i) => `b(A${i})`).join(', ')}, fail.`

async function stats(d: TestDaemon): Promise<{ activeQueries: number; facts: number }> {
  const res = await rpc(d, 'logic/stats')
  expect(res.status).toBe(200)
  return (await res.json()) as { activeQueries: number; facts: number }
}

/** Polls `check` until it holds (every 20 ms, at most `limitMs`); the assertion is on the state, not on the time. */
async function until(check: () => Promise<boolean>, limitMs: number): Promise<boolean> {
  const end = Date.now() + limitMs
  while (Date.now() < end) {
    if (await check()) return true
    await sleep(20)
  }
  return check()
}

describe('logic/* through a daemon: the default time limit and the client signal', () => {
  let d: TestDaemon

  beforeAll(async () => {
    d = await startDaemon({
      configure: (config) => {
        config.Logic = { QueryTimeoutMs: 300 }
      },
    })
    for (const fact of ['b(0).', 'b(1).']) {
      expect((await rpc(d, 'logic/add-fact', { query: `arg=${encodeURIComponent(fact)}` })).status).toBe(200)
    }
    expect((await rpc(d, 'logic/add-rule', { query: `arg=${encodeURIComponent(BIG_RULE)}` })).status).toBe(200)
  })

  afterAll(async () => {
    await d?.stop()
  })

  it('a query that sets no limit ends at Logic.QueryTimeoutMs with the typed ERR_TIMEOUT', async () => {
    const res = await rpc(d, 'logic/query', { query: 'arg=big' })
    expect(res.headers.get('x-ipfrs-error-code')).toBe('ERR_TIMEOUT')
    const body = (await res.json()) as { Message: string }
    expect(body.Message).toContain('Logic.QueryTimeoutMs = 300 ms')
    expect((await stats(d)).activeQueries).toBe(0)
  })

  it('so does a proof, and a hybrid query', async () => {
    for (const command of ['logic/prove', 'logic/hybrid']) {
      const res = await rpc(d, command, { query: 'arg=big' })
      expect(res.headers.get('x-ipfrs-error-code')).toBe('ERR_TIMEOUT')
    }
  })

  it('a limit of its own wins over the default', async () => {
    const res = await rpc(d, 'logic/query', { query: 'arg=b(X)&timeout-ms=60000' })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { Answers: unknown[] }).Answers).toEqual([{ X: '0' }, { X: '1' }])
  })

  it('a client that disconnects mid-query stops the work (the running-query count goes back to 0)', async () => {
    const client = new AbortController()
    // an hour of time allowed: only the disconnect can end this query
    const pending = rpc(d, 'logic/query', { query: 'arg=big&timeout-ms=3600000', signal: client.signal }).catch(
      (err: unknown) => err,
    )
    expect(await until(async () => (await stats(d)).activeQueries === 1, 10_000)).toBe(true)
    client.abort()
    expect(await pending).toBeInstanceOf(Error)
    expect(await until(async () => (await stats(d)).activeQueries === 0, 10_000)).toBe(true)
    // the daemon answers as before
    expect((await stats(d)).facts).toBe(2)
  })
})
