// `ipfrs bootstrap` alone: the running daemon dials the Bootstrap list now; without a daemon it says how to start one.
import { afterEach, describe, expect, it } from 'vitest'
import { testRepo } from './helpers.js'

type Env = Awaited<ReturnType<typeof testRepo>>

describe('ipfrs bootstrap', () => {
  const envs: Env[] = []
  afterEach(async () => {
    for (const env of envs) await env.ipfrs(['daemon', 'stop']).catch(() => undefined)
    await Promise.allSettled(envs.map((e) => e.cleanup()))
    envs.length = 0
  })
  const repo = async () => {
    const env = await testRepo()
    envs.push(env)
    return env
  }

  it('without a daemon: exits 1 and says how to start one', async () => {
    const env = await repo()
    const r = await env.ipfrs(['bootstrap'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('no daemon is running')
    expect(r.stderr).toContain('ipfrs daemon')
  })

  it('with a daemon: dials the list now, printing the peers reached and the entries that failed', async () => {
    const a = await repo()
    const b = await repo()
    await a.ok(['daemon', '--background'])
    await b.ok(['daemon', '--background'])
    const aId = JSON.parse(await a.ok(['id', '--enc=json'])) as { ID: string; Addresses: string[] }
    const aAddr = aId.Addresses.find((x) => x.includes('/tcp/')) as string
    // a peer nobody runs, on a port nothing listens on
    const dead = '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWKd6CjSmjXLC9cGSeRuN64TZEDszJnrwbTWRjzxhQuBXW'
    await b.ok(['bootstrap', 'add', aAddr, dead])
    expect(await b.ok(['swarm', 'peers'])).not.toContain(aId.ID)

    const r = await b.ipfrs(['bootstrap', '--timeout', '20'])
    expect(r.code, r.stderr).toBe(0)
    const out = r.stdout.toString()
    expect(out).toContain(`reached ${aId.ID} ${aAddr}`)
    expect(out).toMatch(new RegExp(`^failed ${dead}: `, 'm'))
    expect(await b.ok(['swarm', 'peers'])).toContain(aId.ID)

    const json = JSON.parse(await b.ok(['bootstrap', '--enc=json'])) as {
      Reached: Array<{ Peer: string }>
      Failed: Array<{ Addr: string }>
    }
    expect(json.Reached.map((x) => x.Peer)).toEqual([aId.ID])
    expect(json.Failed.map((x) => x.Addr)).toEqual([dead])

    // nobody reachable: exit 1
    await b.ok(['bootstrap', 'rm', aAddr])
    const none = await b.ipfrs(['bootstrap', '--timeout', '20'])
    expect(none.code).not.toBe(0)
    expect(none.stderr).toContain('none of the 1 bootstrap peers could be reached')
  })
})
