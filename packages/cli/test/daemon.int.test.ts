import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type cliEnv, testRepo } from './helpers.js'

type Env = Awaited<ReturnType<typeof cliEnv>>

/** The PID of a process that has exited (a PID nobody holds now). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  const pid = child.pid!
  await new Promise((r) => child.once('exit', r))
  return pid
}

describe('ipfrs daemon', () => {
  let env: Env

  beforeEach(async () => {
    env = await testRepo()
  })
  afterEach(async () => {
    await env.ipfrs(['daemon', 'stop'])
    await env.cleanup()
  })

  it('starts in the background, refuses a second one, serves the CLI through the API, and stops', async () => {
    const started = await env.ok(['daemon', '--background'])
    expect(started).toMatch(/daemon started in the background \(PID \d+\); API at http:\/\/127\.0\.0\.1:\d+/)
    const pid = Number((await readFile(join(env.repo, 'daemon.pid'), 'utf8')).trim())
    expect(() => process.kill(pid, 0)).not.toThrow()
    expect(await readFile(join(env.repo, 'api'), 'utf8')).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\n$/)

    const second = await env.ipfrs(['daemon', '-d'])
    expect(second.code).toBe(1)
    expect(second.stderr).toContain(`a daemon is already running on this repo (PID ${pid})`)

    // the daemon holds the repo lock, so these can only work through the API
    const cid = await env.ok(['add', '-q'], 'hello\n')
    expect(cid).toBe('QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN')
    expect(await env.ok(['cat', cid])).toBe('hello')
    expect(await env.ok(['pin', 'ls', '--type', 'recursive', '-q'])).toContain(cid)
    const block = await env.ok(['block', 'put'], 'raw block bytes')
    expect(await env.ok(['block', 'get', block])).toBe('raw block bytes')
    const id = JSON.parse(await env.ok(['id', '--json']))
    expect(id.Addresses.length).toBeGreaterThan(0) // the daemon's listen addresses: it is online
    const verify = await env.ipfrs(['repo', 'verify'])
    expect(verify.code).toBe(1)
    expect(verify.stderr).toContain('stop the daemon first')

    expect(await env.ok(['daemon', 'stop'])).toBe(`daemon stopped (PID ${pid})`)
    expect(existsSync(join(env.repo, 'daemon.pid'))).toBe(false)
    expect(existsSync(join(env.repo, 'api'))).toBe(false)
    // the repo is the CLI's again, with what was added through the daemon
    expect(await env.ok(['cat', cid])).toBe('hello')

    const none = await env.ipfrs(['daemon', 'stop'])
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('no daemon is running on this repo')
  })

  it('streams cat and get of a large file through the daemon byte for byte, with ranges and errors', async () => {
    await env.ok(['daemon', '-d'])
    // 3 MiB + 5 bytes: many chunks of the daemon's response, and leaves cut at a boundary no read lines up with
    const data = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 5 }, (_, i) => (i * 7 + (i >> 12)) % 256))
    const file = join(env.dir, 'big.bin')
    await writeFile(file, data)
    const cid = await env.ok(['add', '-q', file])
    const cat = await env.ipfrs(['cat', cid])
    expect(cat.code).toBe(0)
    expect(cat.stdout.equals(data)).toBe(true)
    const range = await env.ipfrs(['cat', cid, '--offset', '1000000', '--length', '2500000'])
    expect(range.stdout.equals(data.subarray(1_000_000, 3_500_000))).toBe(true)
    const out = join(env.dir, 'copy.bin')
    await env.ok(['get', cid, '-o', out])
    expect((await readFile(out)).equals(data)).toBe(true)
    // the daemon's error answer comes back with its code and message, nothing on stdout
    const missing = await env.ipfrs(['--debug', 'cat', `${cid}/nope`])
    expect(missing.code).toBe(1)
    expect(missing.stdout.byteLength).toBe(0)
    expect(missing.stderr).toMatch(/code: ERR_/)
    const past = await env.ipfrs(['cat', cid, '--offset', String(data.byteLength + 1)])
    expect(past.code).toBe(1)
    expect(past.stderr).toContain('past the end of the file')
    // a reader that stops early: the CLI ends quietly, as `cat | head` does
    const head = env.start(['cat', cid])
    const first = await new Promise<Buffer>((resolve) => head.stdout!.once('data', resolve))
    expect(first.equals(data.subarray(0, first.byteLength))).toBe(true)
    head.stdout!.destroy()
    expect(await new Promise((r) => head.once('exit', r))).toBe(0)
  })

  it('replaces a stale PID file, and a stale api file does not stop the CLI', async () => {
    const pidFile = join(env.repo, 'daemon.pid')
    await writeFile(pidFile, `${await deadPid()}\n`)
    const stop = await env.ipfrs(['daemon', 'stop'])
    expect(stop.code).toBe(1)
    expect(stop.stderr).toContain('removed a stale PID file')
    expect(stop.stderr).toContain('no daemon is running')

    await writeFile(pidFile, `${await deadPid()}\n`)
    await env.ok(['daemon', '-d'])
    const pid = Number((await readFile(pidFile, 'utf8')).trim())
    expect(() => process.kill(pid, 0)).not.toThrow()

    // kill -9: the PID and api files stay behind; the CLI notices nobody answers and opens the repo itself
    process.kill(pid, 'SIGKILL')
    while (existsSync(`/proc/${pid}`)) await new Promise((r) => setTimeout(r, 50))
    expect(existsSync(join(env.repo, 'api'))).toBe(true)
    const cid = await env.ok(['add', '-q'], 'after a crash\n')
    expect(await env.ok(['cat', cid])).toBe('after a crash')
  })

  it('runs in the foreground until SIGTERM, then stops gracefully and removes its PID file', async () => {
    const child = env.start(['daemon'])
    let out = ''
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
        if (out.includes('Daemon is ready')) resolve()
      })
      child.once('exit', (code) => reject(new Error(`daemon exited early (${code}): ${out}`)))
    })
    expect(out).toMatch(/RPC API server listening on \/ip4\/127\.0\.0\.1\/tcp\/\d+/)
    expect(out).toMatch(/Gateway server listening on http:\/\/127\.0\.0\.1:\d+/)
    expect(existsSync(join(env.repo, 'daemon.pid'))).toBe(true)
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(out).toContain('Daemon stopped')
    expect(existsSync(join(env.repo, 'daemon.pid'))).toBe(false)
    expect(existsSync(join(env.repo, 'api'))).toBe(false)
  })
})
