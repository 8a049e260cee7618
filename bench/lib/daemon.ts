// The real `ipfrs` binary for benches that meet the node the way a user does: the CLI on a repo, a daemon in a child
// process (ready when it says so), adds over the RPC API, and the daemon's RSS and metrics. One copy for every bench.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** The built CLI's entry point. */
export const BIN = new URL('../../packages/cli/dist/bin.js', import.meta.url).pathname

export interface Daemon {
  repo: string
  child: ChildProcess
  /** http://host:port of the RPC API. */
  api: string
  /** http://host:port of the gateway. */
  gateway: string
  /** The daemon's TCP swarm address on 127.0.0.1, with its peer id. */
  swarm: string
  /** Everything the daemon printed so far (stdout and stderr). */
  log: () => string
}

/** Runs `ipfrs <args>` on `repo` to completion; its stdout, trimmed. Throws with stderr on a non-zero exit. */
export function cli(repo: string, args: string[], input?: Buffer): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, IPFRS_PATH: repo }, input })
  if (r.status !== 0) throw new Error(`ipfrs ${args.join(' ')}: ${r.stderr}`)
  return r.stdout.toString().trim()
}

/** `init --profile test` with `config` applied (`config --json key value`), then `ipfrs daemon` in the foreground. */
export async function startDaemon(repo: string, config: Record<string, string> = {}): Promise<Daemon> {
  cli(repo, ['init', '--profile', 'test'])
  for (const [key, value] of Object.entries(config)) cli(repo, ['config', '--json', key, value])
  const child = spawn(process.execPath, [BIN, 'daemon'], {
    env: { ...process.env, IPFRS_PATH: repo },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const collect = (d: Buffer) => {
    out += d.toString()
  }
  child.stdout!.on('data', collect)
  child.stderr!.on('data', collect)
  const deadline = Date.now() + 60_000
  while (!out.includes('Daemon is ready')) {
    if (child.exitCode != null || Date.now() > deadline) throw new Error(`the daemon did not start:\n${out}`)
    await sleep(50)
  }
  const api = (await readFile(join(repo, 'api'), 'utf8')).trim().replace(/^\/ip4\/([^/]+)\/tcp\/(\d+)$/, 'http://$1:$2')
  const gateway = (await readFile(join(repo, 'gateway'), 'utf8')).trim()
  const swarm = /Swarm listening on (\/ip4\/127\.0\.0\.1\/tcp\/\S+)/.exec(out)?.[1] ?? ''
  return { repo, child, api, gateway, swarm, log: () => out }
}

/** SIGTERM, then SIGKILL if the daemon has not exited within 30 s. */
export async function stopDaemon(d: Daemon): Promise<void> {
  if (d.child.exitCode != null) return
  d.child.kill('SIGTERM')
  await Promise.race([new Promise((r) => d.child.once('exit', r)), sleep(30_000)])
  if (d.child.exitCode == null) d.child.kill('SIGKILL')
}

/** Adds `bytes` as one file through `POST /api/v0/add`; the root CID. */
export async function addBytes(
  api: string,
  bytes: Uint8Array,
  options: { pin?: boolean; signal?: AbortSignal } = {},
): Promise<string> {
  const form = new FormData()
  form.append('file', new Blob([bytes]), 'f.bin')
  const res = await fetch(`${api}/api/v0/add?quieter=true&pin=${options.pin ?? true}`, {
    method: 'POST',
    body: form,
    signal: options.signal,
  })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`add: ${res.status} ${text}`)
  return (JSON.parse(text.trim().split('\n').at(-1) ?? '{}') as { Hash: string }).Hash
}

/** A process's resident set (VmRSS) in MiB, from /proc. */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024
}

/** A metric from the daemon's /metrics (the first sample of that name); NaN when absent. */
export async function metric(d: Daemon, name: string): Promise<number> {
  const text = await (await fetch(`${d.api}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
  return line == null ? Number.NaN : Number(line.split(' ').pop())
}
