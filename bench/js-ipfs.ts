// Serving js-ipfs 0.66 over Bitswap: a js-ipfs node fetches a file from an IPFRS node (ours) and, as the baseline in
// the same run, from another js-ipfs node; TCP on 127.0.0.1, Noise + Yamux, the same bytes, every byte's sha-256
// checked. js-ipfs runs in its own processes (bench/js-ipfs/peer.mjs): its libp2p 0.42 stack is installed apart from
// the workspace (`npm ci` in bench/js-ipfs, run here on first use), as it needs overrides that would break ours.
// BENCH_JSIPFS_MIB (default 50) and BENCH_JSIPFS_RUNS (default 3) set the size and the runs.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { pseudoRandomBytes, sha256Of } from './lib/content.ts'
import { localNode } from './lib/local-node.ts'
import { MiB, median, type Row, writeReport } from './lib/report.ts'
import { removeTempDir } from './lib/temp.ts'

const SIZE = Number(process.env.BENCH_JSIPFS_MIB ?? 50) * MiB
const RUNS = Number(process.env.BENCH_JSIPFS_RUNS ?? 3)
const DIR = new URL('./js-ipfs/', import.meta.url).pathname
const PEER = join(DIR, 'peer.mjs')

interface Fetched {
  seconds: number
  firstChunkMs: number
  bytes: number
  sha256: string
}

/** A js-ipfs process running peer.mjs; `result` is the JSON of its `RESULT` line. */
function jsIpfs(args: string[]): { child: ChildProcess; result: Promise<Record<string, unknown>> } {
  const child = spawn(process.execPath, [PEER, ...args], { cwd: DIR, stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString()
  })
  const result = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const line = out.split('\n').find((l) => l.startsWith('RESULT '))
      if (line !== undefined) resolve(JSON.parse(line.slice('RESULT '.length)))
    })
    child.once('close', (code) => reject(new Error(`js-ipfs ${args[0]} exited with ${code}: ${err.slice(-2000)}`)))
  })
  return { child, result }
}

async function fetchWithJsIpfs(repo: string, addr: string, cid: string): Promise<Fetched> {
  return (await jsIpfs(['fetch', repo, addr, cid]).result) as unknown as Fetched
}

async function main(): Promise<void> {
  if (!existsSync(join(DIR, 'node_modules', 'ipfs'))) {
    console.error('installing js-ipfs 0.66 in bench/js-ipfs (npm ci, once)')
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: DIR, stdio: 'inherit' })
    if (r.status !== 0) throw new Error('npm ci in bench/js-ipfs failed')
  }
  const dir = await mkdtemp(join(tmpdir(), 'ipfrs-bench-js-ipfs-'))
  const file = join(dir, 'file.bin')
  const loadAtStart = loadavg()[0]!
  const servers: ChildProcess[] = []
  const ours = localNode(join(dir, 'ours'), true)
  try {
    await pipeline(pseudoRandomBytes(SIZE, 'js-ipfs'), createWriteStream(file))
    const expected = await sha256Of(pseudoRandomBytes(SIZE, 'js-ipfs'))
    await ours.start()
    const oursCid = (await ours.addFile(file)).cid.toString()
    const oursAddr = ours.network.addresses().find((a) => a.includes('/tcp/'))!
    const server = jsIpfs(['serve', join(dir, 'js-server'), file])
    servers.push(server.child)
    const { cid: jsCid, addr: jsAddr } = (await server.result) as { cid: string; addr: string }
    if (jsCid !== oursCid) throw new Error(`js-ipfs add gave ${jsCid}, ours ${oursCid}`)
    const results: Record<'ours' | 'base', Fetched[]> = { ours: [], base: [] }
    for (let run = 0; run < RUNS; run++) {
      for (const what of run % 2 === 0 ? (['base', 'ours'] as const) : (['ours', 'base'] as const)) {
        // a fresh js-ipfs client each run: nothing of the file is in its repo yet
        const repo = join(dir, `client-${what}-${run}`)
        const r = await fetchWithJsIpfs(repo, what === 'ours' ? oursAddr : jsAddr, oursCid)
        if (r.bytes !== SIZE || r.sha256 !== expected) throw new Error(`js-ipfs fetched other bytes from ${what}`)
        console.error(`${what} run ${run}: ${(SIZE / MiB / r.seconds).toFixed(1)} MiB/s`)
        results[what].push(r)
        await rm(repo, { recursive: true, force: true })
      }
    }
    const mibs = (rs: Fetched[]) => SIZE / MiB / median(rs.map((r) => r.seconds))
    const first = (rs: Fetched[]) => median(rs.map((r) => r.firstChunkMs))
    const rows: Row[] = [
      {
        what: 'js-ipfs 0.66 → js-ipfs 0.66 (baseline)',
        'MiB/s': mibs(results.base).toFixed(1),
        'first chunk ms': first(results.base).toFixed(0),
        'vs baseline': '1.00',
      },
      {
        what: 'ipfrs → js-ipfs 0.66 (ours serving)',
        'MiB/s': mibs(results.ours).toFixed(1),
        'first chunk ms': first(results.ours).toFixed(0),
        'vs baseline': (mibs(results.ours) / mibs(results.base)).toFixed(2),
      },
    ]
    writeReport('js-ipfs', `Serving js-ipfs 0.66 over Bitswap, ${SIZE / MiB} MiB`, rows, [
      `${SIZE / MiB} MiB of pseudo-random bytes added on both servers with Kubo's settings (same root CID); a fresh js-ipfs 0.66 client per run dials the server (Noise + Yamux over TCP on 127.0.0.1) and runs \`ipfs.cat\`; every byte's sha-256 checked. Median of ${RUNS} runs, the two servers taking turns.`,
      'Time: from `ipfs.cat` (3 s after the connection is up, so identify has told js-ipfs the server speaks Bitswap) to the last byte, measured in the client process. js-ipfs is set up as STACK-NOTES says (yamux added, no bootstrap, MDNS, preload or NAT; DHT server).',
      `Machine load (1-minute average) ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end (2 cores shared with other work).`,
      'Reproduce: `pnpm -s turbo run build && node bench/run.ts js-ipfs` (BENCH_JSIPFS_MIB, BENCH_JSIPFS_RUNS).',
    ])
  } finally {
    // a server stops when its stdin ends; one that does not within 30 s is killed
    await Promise.all(
      servers.map(async (s) => {
        const closed = new Promise((resolve) => s.once('close', resolve))
        s.stdin?.end()
        const timer = setTimeout(() => s.kill('SIGKILL'), 30_000)
        await closed
        clearTimeout(timer)
      }),
    )
    await ours.stop().catch(() => undefined)
    await removeTempDir(dir)
  }
}

await main()
