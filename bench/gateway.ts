// Gateway under load: GET /ipfs/<cid> of a 1 KiB and a 1 MiB object from the daemon's gateway, driven by autocannon
// from this process while the server runs in a child (so the two do not share an event loop). Baseline in the same
// run: a bare node:http server in the same kind of child serving the same bytes from memory. Also the daemon's idle
// RSS against a bare `node` process. Loopback only; BENCH_GATEWAY_SECONDS (default 10) per case.
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'
import { type Row, writeReport } from './lib/report.ts'

const SECONDS = Number(process.env.BENCH_GATEWAY_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_GATEWAY_CONNECTIONS ?? 32)
const SERVER = new URL('./gateway-server.ts', import.meta.url).pathname

async function startChild(args: string[]): Promise<{ child: ChildProcess; urls: { small: string; large: string } }> {
  const child = spawn(process.execPath, [SERVER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout! })
  for await (const line of lines) {
    if (line.startsWith('{')) return { child, urls: JSON.parse(line) }
  }
  throw new Error(`${args[0]} server exited before it was ready`)
}

async function load(url: string): Promise<autocannon.Result> {
  return autocannon({ url, connections: CONNECTIONS, duration: SECONDS, pipelining: 1 })
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Math.round(Number(m?.[1] ?? 0) / 1024)
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ipfrs-bench-gw-'))
  const rows: Row[] = []
  const notes: string[] = []
  try {
    const plain = await startChild(['plain'])
    const ours = await startChild(['daemon', dir])
    await new Promise((r) => setTimeout(r, 5000))
    const idleFresh = rssMiB(ours.child.pid!)
    for (const size of ['small', 'large'] as const) {
      const base = await load(plain.urls[size])
      const gw = await load(ours.urls[size])
      for (const [name, r] of [
        ['bare node:http (baseline)', base],
        ['ipfrs gateway', gw],
      ] as const) {
        rows.push({
          object: size === 'small' ? '1 KiB' : '1 MiB',
          server: name,
          'req/s': Math.round(r.requests.average),
          'MiB/s': Math.round(r.throughput.average / 2 ** 20),
          'p50 ms': r.latency.p50,
          'p99 ms': r.latency.p99,
          errors: r.errors + r.timeouts + r.non2xx,
          'vs baseline': (r.requests.average / base.requests.average).toFixed(2),
        })
      }
    }
    await new Promise((r) => setTimeout(r, 5000))
    const idleDaemon = rssMiB(ours.child.pid!)
    const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])
    await new Promise((r) => setTimeout(r, 2000))
    const idleBare = rssMiB(bare.pid!)
    bare.kill()
    notes.push(
      `Daemon idle RSS (node, repo, libp2p, API and gateway): ${idleFresh} MiB 5 s after start, ${idleDaemon} MiB after the load and 5 s of rest; a bare \`node\` process: ${idleBare} MiB.`,
      'The 1 MiB rows are bound by the load generator (autocannon parsing 1 MiB bodies in one Node process), so both servers meet the same ceiling there; the 1 KiB rows show the server cost.',
      `${CONNECTIONS} connections, ${SECONDS} s per case, autocannon in the parent process, each server in its own child; loopback only.`,
      'Objects are CIDv1 with raw leaves: 1 KiB = one raw block; 1 MiB = four 256 KiB leaves under a dag-pb root, read from the repo on every request (no response cache).',
    )
    await stop(plain.child)
    await stop(ours.child)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  writeReport('gateway', 'Gateway under load (GET /ipfs/<cid>)', rows, notes)
}

await main()
