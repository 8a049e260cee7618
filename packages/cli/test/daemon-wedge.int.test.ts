import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { open, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type cliEnv, testRepo } from './helpers.js'

type Env = Awaited<ReturnType<typeof cliEnv>>

async function countBlockFiles(blocks: string): Promise<number> {
  return (await readdir(blocks, { recursive: true })).filter((f) => f.endsWith('.data')).length
}

describe('a daemon that an abandoned upload cannot wedge, and that always stops', () => {
  let env: Env
  beforeEach(async () => {
    env = await testRepo()
  })
  afterEach(async () => {
    const pidFile = join(env.repo, 'daemon.pid')
    if (existsSync(pidFile)) {
      const pid = Number((await readFile(pidFile, 'utf8')).trim())
      try {
        process.kill(pid, 'SIGCONT')
        process.kill(pid, 'SIGKILL')
      } catch {
        // gone
      }
    }
    await env.cleanup()
  })

  it('Ctrl-C during `ipfrs add` of a big file: gc, add, pin and daemon stop still work, and the repo opens after', async () => {
    await env.ok(['daemon', '-d'])
    const kept = await env.ok(['add', '-Q'], 'added before the abandoned upload\n')
    const big = join(env.dir, 'big.bin')
    const fh = await open(big, 'w')
    for (let i = 0; i < 96; i++) await fh.write(randomBytes(1024 * 1024))
    await fh.close()

    const blocks = join(env.repo, 'blocks')
    const before = await countBlockFiles(blocks)
    const child = env.start(['add', big])
    const deadline = Date.now() + 60_000
    while ((await countBlockFiles(blocks)) < before + 20 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20))
    child.kill('SIGINT') // what Ctrl-C sends
    await new Promise((resolve) => child.once('exit', resolve))

    // none of these may hang (the test's timeout would fail it)
    await env.ok(['repo', 'gc', '-q'])
    expect(await env.ok(['add', '-q'], 'hi\n')).toMatch(/^Qm/)
    await env.ok(['pin', 'add', kept])
    expect(await env.ok(['block', 'put'], 'a block')).toMatch(/^bafk/)
    // the abandoned DAG was unpinned: gc took it (what is left: the two adds, the block, the health probe)
    expect(await countBlockFiles(blocks)).toBeLessThanOrEqual(before + 3)

    expect(await env.ok(['daemon', 'stop'])).toMatch(/^daemon stopped \(PID \d+\)$/)
    // the repo is the CLI's again
    expect(await env.ok(['cat', kept])).toBe('added before the abandoned upload')
    const verify = await env.ipfrs(['repo', 'verify'])
    expect(verify.code).toBe(0)
    expect((await readdir(blocks, { recursive: true })).filter((f) => f.endsWith('.tmp'))).toEqual([])
  }, 240_000)

  it('`daemon stop` kills a daemon that does not stop, and the repo opens afterwards', async () => {
    await env.ok(['daemon', '-d'])
    const cid = await env.ok(['add', '-Q'], 'stored through the daemon\n')
    const pid = Number((await readFile(join(env.repo, 'daemon.pid'), 'utf8')).trim())
    process.kill(pid, 'SIGSTOP') // a daemon that cannot answer SIGTERM: as wedged as it gets
    const stop = await env.ipfrs(['daemon', 'stop', '--timeout', '1'])
    expect(stop.stderr).toBe('')
    expect(stop.code).toBe(0)
    expect(stop.stdout.toString()).toContain(`daemon killed (PID ${pid}): it did not stop within 1 s`)
    expect(existsSync(`/proc/${pid}`)).toBe(false)
    expect(existsSync(join(env.repo, 'daemon.pid'))).toBe(false)
    expect(existsSync(join(env.repo, 'api'))).toBe(false)
    // the lock the killed daemon left is stale: the CLI and a new daemon both open the repo
    expect(await env.ok(['cat', cid])).toBe('stored through the daemon')
    await env.ok(['daemon', '-d'])
    expect(await env.ok(['cat', cid])).toBe('stored through the daemon')
    expect(await env.ok(['daemon', 'stop'])).toMatch(/^daemon stopped/)
  }, 240_000)
})
