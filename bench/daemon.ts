// The data plane as a user meets it: two `ipfrs daemon`s on 127.0.0.1 (the `test` profile), a file added on A with
// `ipfrs add`, B connected to A with `ipfrs swarm connect`, then `ipfrs cat <cid>` run on B, its stdout read and
// sha-256 checked by this process (Bitswap A → B over TCP, then B's HTTP API → the CLI → the pipe). Baseline in the
// same run: stock Helia → stock Helia over TCP with memory blockstores (bench/lib/stock-helia.ts), the same bytes.
// Also each daemon's RSS 5 s after it started (before any add), against a bare `node` process idling as long.
// BENCH_DAEMON_MIB (default 128) and BENCH_DAEMON_RUNS (default 3) set the size and the runs.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createWriteStream, existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { cpuMsPerMiB, pseudoRandomBytes, sha256Of, type TimedRead, timedRead } from './lib/content.ts'
import { cpuSecondsOf } from './lib/cpu.ts'
import { BIN, cli, rssMiB } from './lib/daemon.ts'
import { DAEMON_GC_FLAG, withDaemonGcSetting } from './lib/gc-setting.ts'
import { MiB, median, type Row, writeReport } from './lib/report.ts'
import { stockPair } from './lib/stock-helia.ts'

const SIZE = Number(process.env.BENCH_DAEMON_MIB ?? 128) * MiB
const RUNS = Number(process.env.BENCH_DAEMON_RUNS ?? 3)
const SEED = 'daemon'
const WARM_UP = 16 * MiB
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * `ipfrs cat <cid>` on `repo` as a child process; its stdout is the stream that is timed and hashed. `cpu.cli` ends
 * as the CPU seconds the CLI used (read from /proc as its output ends, before it is reaped).
 */
function catThroughCli(repo: string, cid: string, cpu = { cli: 0 }): AsyncIterable<Uint8Array> {
  return (async function* () {
    const child: ChildProcess = spawn(process.execPath, [BIN, 'cat', cid], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, IPFRS_PATH: repo },
    })
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve))
    yield* child.stdout!
    cpu.cli = cpuSecondsOf(child.pid!)
    const code = await exited
    if (code !== 0) throw new Error(`ipfrs cat exited with ${code}: ${stderr}`)
  })()
}

async function main(): Promise<void> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (pnpm -s turbo run build)`)
  const expected = await sha256Of(pseudoRandomBytes(SIZE, SEED))
  const dir = await mkdtemp(join(tmpdir(), 'ipfrs-bench-daemon-'))
  const a = join(dir, 'a')
  const b = join(dir, 'b')
  const file = join(dir, 'file.bin')
  const warmUpFile = join(dir, 'warm-up.bin')
  const loadAtStart = loadavg()[0]!
  const rows: Row[] = []
  try {
    await pipeline(pseudoRandomBytes(SIZE, SEED), createWriteStream(file))
    const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])
    for (const repo of [a, b]) {
      cli(repo, ['init', '--profile', 'test'])
      cli(repo, ['daemon', '-d'])
    }
    await sleep(5000)
    const pidOf = (repo: string) => Number(readFileSync(join(repo, 'daemon.pid'), 'utf8').trim())
    const rss = await Promise.all([a, b].map((r) => rssMiB(pidOf(r))))
    const rssBare = await rssMiB(bare.pid!)
    bare.kill()
    const cid = cli(a, ['add', '-q', file])
    const tcp = cli(a, ['id', '-f', '<addrs>'])
      .split('\n')
      .find((x) => x.includes('/tcp/'))
    if (tcp === undefined) throw new Error('daemon A listens on no TCP address')
    cli(b, ['swarm', 'connect', tcp])
    // one untimed read of a smaller file each way first, as bench/transfer.ts does: no timed run pays for loading and
    // compiling the code on its path (a daemon is a long-lived process; the stock pair runs in this one)
    await pipeline(pseudoRandomBytes(WARM_UP, `${SEED}-warm-up`), createWriteStream(warmUpFile))
    await timedRead(() => catThroughCli(b, cli(a, ['add', '-q', warmUpFile])))
    const warm = await stockPair('tcp', pseudoRandomBytes(WARM_UP, `${SEED}-warm-up`))
    await timedRead(() => warm.read()).finally(() => warm.stop())
    const ours: TimedRead[] = []
    const stock: TimedRead[] = []
    const stockTuned: TimedRead[] = []
    let stockRoot = ''
    let peakRssB = 0
    const kinds = ['ours', 'stock', 'stock-tuned'] as const
    for (let run = 0; run < RUNS; run++) {
      // the order turns each run, so no kind always runs first or last
      for (const what of [...kinds.slice(run % 3), ...kinds.slice(0, run % 3)]) {
        if (what === 'ours') {
          // each run reads A's file afresh: B's copy from the previous run is removed (unpinned, collected)
          if (run > 0) cli(b, ['repo', 'gc'])
          const daemons = () => cpuSecondsOf(pidOf(a)) + cpuSecondsOf(pidOf(b))
          const [before, cpu] = [daemons(), { cli: 0 }]
          const sampler = setInterval(() => {
            void rssMiB(pidOf(b)).then((r) => {
              peakRssB = Math.max(peakRssB, r)
            })
          }, 100)
          const read = await timedRead(() => catThroughCli(b, cid, cpu)).finally(() => clearInterval(sampler))
          // CPU of the whole path: both daemons, the CLI, and this process reading and hashing its output
          ours.push({ ...read, cpuSeconds: read.cpuSeconds + cpu.cli + daemons() - before })
        } else {
          const stockRead = async () => {
            const pair = await stockPair('tcp', pseudoRandomBytes(SIZE, SEED))
            try {
              stockRoot = pair.root.toString()
              return await timedRead(() => pair.read())
            } finally {
              await pair.stop()
            }
          }
          // the reference run: the stock pair with the V8 setting our daemons run with
          if (what === 'stock') stock.push(await stockRead())
          else stockTuned.push(await withDaemonGcSetting(stockRead))
        }
        const last = (what === 'ours' ? ours : what === 'stock' ? stock : stockTuned).at(-1)!
        console.error(`${what} run ${run}: ${(SIZE / MiB / last.seconds).toFixed(1)} MiB/s`)
      }
    }
    for (const r of [...ours, ...stock, ...stockTuned]) {
      if (r.bytes !== SIZE || r.sha256 !== expected) throw new Error(`a read returned other bytes (${r.bytes} bytes)`)
    }
    if (stockRoot !== cid) throw new Error(`ipfrs add gave ${cid}, the stock importer ${stockRoot}`)
    const mibs = (rs: TimedRead[]) => SIZE / MiB / median(rs.map((r) => r.seconds))
    const first = (rs: TimedRead[]) => median(rs.map((r) => r.firstChunkMs))
    rows.push(
      {
        what: `stock Helia → stock Helia, memory blockstores, in process (baseline)`,
        'MiB/s': mibs(stock).toFixed(1),
        'first byte ms': first(stock).toFixed(0),
        'CPU ms per MiB': cpuMsPerMiB(stock, SIZE).toFixed(1),
        'vs baseline': '1.00',
      },
      {
        what: '`ipfrs cat` on daemon B of daemon A’s file (ours)',
        'MiB/s': mibs(ours).toFixed(1),
        'first byte ms': first(ours).toFixed(0),
        'CPU ms per MiB': cpuMsPerMiB(ours, SIZE).toFixed(1),
        'peak RSS MiB': peakRssB.toFixed(0),
        'vs baseline': (mibs(ours) / mibs(stock)).toFixed(2),
      },
      {
        what: `stock pair as above with the daemon's V8 setting (--${DAEMON_GC_FLAG}; reference, not the baseline)`,
        'MiB/s': mibs(stockTuned).toFixed(1),
        'first byte ms': first(stockTuned).toFixed(0),
        'CPU ms per MiB': cpuMsPerMiB(stockTuned, SIZE).toFixed(1),
        'vs baseline': (mibs(stockTuned) / mibs(stock)).toFixed(2),
      },
      {
        what: 'RSS 5 s after start, MiB: bare `node` (baseline)',
        'MiB/s': '',
        'first byte ms': '',
        'RSS MiB': rssBare.toFixed(0),
        'vs baseline': '1.00',
      },
      {
        what: 'RSS 5 s after start, MiB: `ipfrs daemon` (A, B)',
        'MiB/s': '',
        'first byte ms': '',
        'RSS MiB': rss.map((x) => x.toFixed(0)).join(', '),
        'vs baseline': (Math.max(...rss) / rssBare).toFixed(2),
      },
    )
    writeReport('daemon', `Through two daemons: \`ipfrs cat\` of ${SIZE / MiB} MiB, and an idle daemon's RSS`, rows, [
      `${SIZE / MiB} MiB of pseudo-random bytes, added on A with \`ipfrs add\` (Kubo's settings: CIDv0, 256 KiB leaves), read on B with \`ipfrs cat\` (a CLI process talking to B's HTTP API); the bench reads the CLI's stdout and checks every byte's sha-256; the stock import gave the same root. Median of ${RUNS} runs, ours, the stock pair and the reference taking turns, after one untimed read of ${WARM_UP / MiB} MiB each way (the code on each path loaded and compiled first); before each of our runs after the first, \`ipfrs repo gc\` on B drops the copy it fetched.`,
      'Time: from spawning `ipfrs cat` (CLI start-up included, as a user waits for it) or from the stock session + exporter call, to the last byte. First byte: the first chunk on the CLI’s stdout / out of the exporter.',
      'CPU ms per MiB: CPU time (user + system, every thread) of all the processes on the path over the read, per MiB: ours both daemons, the CLI and this process reading and hashing the CLI’s output; stock this process, which holds both nodes and reads and hashes too. Unlike MiB/s it does not depend on how much of the 2 cores other work left free.',
      `The daemons count ArrayBuffer memory in V8's heap limit (--${DAEMON_GC_FLAG}, set by \`ipfrs daemon\`: fewer full collections for the buffers blocks pass through, more memory while busy); the baseline runs with Node's defaults, as a stock Helia user's process does. The reference row runs the stock pair with the same setting, to show what the setting alone is worth. Peak RSS: daemon B's VmRSS, sampled every 100 ms during our reads.`,
      'Daemons: `ipfrs init --profile test` (127.0.0.1, ports the OS picks, no bootstrap peers), `ipfrs daemon -d`; B dials A over TCP. RSS is VmRSS 5 s after `ipfrs daemon -d` returned, before anything was added.',
      `Machine load (1-minute average) ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end (2 cores shared with other work).`,
      'Reproduce: `pnpm -s turbo run build && node bench/run.ts daemon` (BENCH_DAEMON_MIB, BENCH_DAEMON_RUNS).',
    ])
  } finally {
    for (const repo of [a, b])
      spawnSync(process.execPath, [BIN, '--repo-dir', repo, 'daemon', 'stop'], { stdio: 'ignore' })
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
