import { randomBytes } from 'node:crypto'
import { open, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cliEnv } from './helpers.js'

type Env = Awaited<ReturnType<typeof cliEnv>>

async function countBlockFiles(blocks: string): Promise<number> {
  let n = 0
  for (const shard of await readdir(blocks).catch(() => [])) {
    n += (await readdir(join(blocks, shard)).catch(() => [])).filter((f) => f.endsWith('.data')).length
  }
  return n
}

describe('kill -9 during a large add', () => {
  let env: Env
  beforeEach(async () => {
    env = await cliEnv()
    await env.ok(['init'])
  })
  afterEach(async () => env.cleanup())

  it('leaves a repo that opens, verifies clean and keeps what was stored before', async () => {
    const kept = await env.ok(['add', '-Q'], 'stored before the crash')
    const big = join(env.dir, 'big.bin')
    const fh = await open(big, 'w')
    for (let i = 0; i < 192; i++) await fh.write(randomBytes(1024 * 1024)) // 768 distinct leaves
    await fh.close()

    const child = env.start(['add', big])
    const blocks = join(env.repo, 'blocks')
    const deadline = Date.now() + 60_000
    while ((await countBlockFiles(blocks)) < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
    expect(child.signalCode).toBe('SIGKILL')
    const written = await countBlockFiles(blocks)
    expect(written).toBeGreaterThanOrEqual(40)
    expect(written).toBeLessThan(768) // it really was cut short

    // the stale lock is taken over; every block on disk is whole and hashes to its name
    const verify = await env.ipfrs(['repo', 'verify'])
    expect(verify.stdout.toString()).toMatch(/^verified \d+ blocks: all ok/)
    expect(verify.code).toBe(0)
    expect(await env.ok(['cat', kept])).toBe('stored before the crash')
    // the interrupted add never got its pin; only the earlier add is pinned, and GC clears the half-added DAG
    expect(await env.ok(['pin', 'ls', '-q', '--type', 'recursive'])).toBe(kept)
    await env.ok(['gc', '-q'])
    expect(await countBlockFiles(blocks)).toBe(1)
    // the same add now completes
    expect(await env.ok(['add', '-Q', big])).toMatch(/^Qm/)
  })
})
