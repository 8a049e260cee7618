// Gateway under load: GET /ipfs/<cid> of a 1 KiB and a 1 MiB object from the daemon's gateway, driven by autocannon
// (1 KiB) or keep-alive node:http clients (1 MiB) from this process while the server runs in a child (so the two do
// not share an event loop). Baseline in the same run: a bare node:http server in the same kind of child serving the
// same bytes from memory. Also the daemon's idle RSS against a bare `node` process. Loopback only;
// BENCH_GATEWAY_SECONDS (default 10) per case, BENCH_GATEWAY_CONNECTIONS (default 32).
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { Agent, get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'
import { type Row, writeReport } from './lib/report.ts'
import { removeTempDir } from './lib/temp.ts'

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

interface Load {
  rps: number
  bytesPerSec: number
  p50: number
  p99: number
  errors: number
  client: string
}

/** autocannon for small bodies; it parses bodies in JS (http-parser-js) and tops out near 85 MiB/s on 1 MiB ones. */
async function cannon(url: string): Promise<Load> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, pipelining: 1 })
  return {
    rps: r.requests.average,
    bytesPerSec: r.throughput.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    client: 'autocannon',
  }
}

/** For large bodies: keep-alive node:http (llhttp) clients, `CONNECTIONS` of them, discarding the bodies. */
async function httpLoad(url: string): Promise<Load> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS })
  const latencies: number[] = []
  let bytes = 0
  let errors = 0
  const start = performance.now()
  const end = start + SECONDS * 1000
  const one = () =>
    new Promise<void>((resolve) => {
      const t = performance.now()
      get(url, { agent }, (res) => {
        if (res.statusCode !== 200) errors++
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length
        })
        res.on('end', () => {
          latencies.push(performance.now() - t)
          resolve()
        })
        res.on('error', () => {
          errors++
          resolve()
        })
      }).on('error', () => {
        errors++
        resolve()
      })
    })
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) await one()
    }),
  )
  const elapsed = (performance.now() - start) / 1000
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const pct = (p: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0)
  return {
    rps: latencies.length / elapsed,
    bytesPerSec: bytes / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
    errors,
    client: 'node:http',
  }
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
      const load = size === 'small' ? cannon : httpLoad
      const base = await load(plain.urls[size])
      const gw = await load(ours.urls[size])
      for (const [name, r] of [
        ['bare node:http (baseline)', base],
        ['ipfrs gateway', gw],
      ] as const) {
        rows.push({
          object: size === 'small' ? '1 KiB' : '1 MiB',
          server: name,
          client: r.client,
          'req/s': Math.round(r.rps),
          'MiB/s': Math.round(r.bytesPerSec / 2 ** 20),
          'p50 ms': r.p50,
          'p99 ms': r.p99,
          errors: r.errors,
          'vs baseline': (r.rps / base.rps).toFixed(2),
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
      'Load: autocannon for 1 KiB; for 1 MiB, keep-alive node:http clients that discard the bodies, because autocannon parses bodies in JS and caps near 85 MiB/s there (it would hide the gap). errors = socket errors + timeouts + non-2xx.',
      `${CONNECTIONS} connections, ${SECONDS} s per case, the load generator in the parent process, each server in its own child; loopback only, 2 cores shared by client and server.`,
      'Objects are CIDv1 with raw leaves: 1 KiB = one raw block; 1 MiB = four 256 KiB leaves under a dag-pb root. The gateway reads a file of up to 1 MiB through the node once and then answers from its body cache (bounded LRU, 64 MiB); bigger files stream from the repo on every request.',
    )
    await stop(plain.child)
    await stop(ours.child)
  } finally {
    await removeTempDir(dir)
  }
  writeReport('gateway', 'Gateway under load (GET /ipfs/<cid>)', rows, notes)
}

await main()
