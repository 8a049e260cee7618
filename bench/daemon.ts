// The data plane as a user meets it: two `ipfrs daemon`s on 127.0.0.1 (the `test` profile), a file added on A with
// `ipfrs add`, B connected to A with `ipfrs swarm connect`, then `ipfrs cat <cid>` run on B, its stdout piped into a
// small reader process that sha-256 checks it (A → B over TCP, then B's HTTP API → the CLI → the pipe). Baseline in the
// same run: stock Helia → stock Helia over TCP with memory blockstores (bench/lib/stock-helia.ts), the same bytes.
// Also each daemon's RSS 5 s after it started (before any add), against a bare `node` process idling as long.
// BENCH_DAEMON_MIB (default 128) and BENCH_DAEMON_RUNS (default 3) set the size and the runs.
import { spawn, spawnSync } from 'node:child_process'
import { createWriteStream, existsSync, readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { cpuMsPerMiB, pseudoRandomBytes, sha256Of, type TimedRead, timedRead } from './lib/content.ts'
import { cpuSecondsOf } from './lib/cpu.ts'
import { BIN, cli, rssMiB } from './lib/daemon.ts'
import { DAEMON_GC_FLAGS, withDaemonGcSetting } from './lib/gc-setting.ts'
import { MiB, median, type Row, writeReport } from './lib/report.ts'
import { stockPair } from './lib/stock-helia.ts'
import { removeTempDir } from './lib/temp.ts'

const SIZE = Number(process.env.BENCH_DAEMON_MIB ?? 128) * MiB
const RUNS = Number(process.env.BENCH_DAEMON_RUNS ?? 3)
const SEED = 'daemon'
const WARM_UP = 16 * MiB
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Hashes its stdin; at its end prints when the first and last bytes came (ms since the epoch), bytes, sha-256, CPU. */
const READER = `
const hash = require('node:crypto').createHash('sha256')
const now = () => performance.timeOrigin + performance.now()
let first = Number.NaN
let bytes = 0
process.stdin.on('data', (chunk) => {
  if (bytes === 0) first = now()
  bytes += chunk.byteLength
  hash.update(chunk)
})
process.stdin.on('end', () => {
  const end = now()
  const { user, system } = process.cpuUsage()
  process.stdout.write(JSON.stringify({ first, end, bytes, sha256: hash.digest('hex'), cpuSeconds: (user + system) / 1e6 }))
})`

/**
 * `ipfrs cat <cid> | reader` on `repo`, as a user pipes it into another program: the CLI's stdout is a pipe into a
 * separate process (READER) that hashes it. Timed from spawning the reader to its last byte; CPU is the reader's and
 * the CLI's (bash's `times` reports its child's, as the CLI's own process is gone by then).
 */
async function catThroughCli(repo: string, cid: string): Promise<TimedRead> {
  const now = () => performance.timeOrigin + performance.now()
  const start = now()
  const reader = spawn(process.execPath, ['-e', READER], { stdio: ['pipe', 'pipe', 'inherit'] })
  const script = '"$0" "$1" cat "$2"; status=$?; times >&2; exit $status'
  const cli = spawn('bash', ['-c', script, process.execPath, BIN, cid], {
    stdio: ['ignore', reader.stdin!, 'pipe'],
    env: { ...process.env, IPFRS_PATH: repo },
  })
  reader.stdin!.destroy() // the CLI holds the pipe's write end now: the reader sees its end when the CLI exits
  let stderr = ''
  cli.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  let out = ''
  reader.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const [code] = await Promise.all([
    new Promise<number | null>((resolve) => cli.once('close', resolve)),
    new Promise((resolve) => reader.once('close', resolve)),
  ])
  if (code !== 0) throw new Error(`ipfrs cat exited with ${code}: ${stderr}`)
  const times = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(stderr)
  if (times === null) throw new Error(`no CPU times from bash: ${stderr}`)
  const [, um, us, sm, ss] = times.map(Number) as [number, number, number, number, number]
  const r = JSON.parse(out) as { first: number; end: number; bytes: number; sha256: string; cpuSeconds: number }
  return {
    firstChunkMs: r.first - start,
    seconds: (r.end - start) / 1000,
    cpuSeconds: r.cpuSeconds + um * 60 + us + sm * 60 + ss,
    bytes: r.bytes,
    sha256: r.sha256,
  }
}

async function main(): Promise<void> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (pnpm -s turbo run build)`)
  // each run reads another file, so B never holds what it reads and nothing is deleted before a timed read (on ext4
  // without a journal, as this machine's disk is, creating files costs 2–3 times the CPU while the inodes of files
  // deleted in the last 30 s are skipped: `ipfrs repo gc` on B between runs made the next read pay for that)
  const seedOf = (run: number) => `${SEED}-${run}`
  const expected = await Promise.all(
    Array.from({ length: RUNS }, (_, run) => sha256Of(pseudoRandomBytes(SIZE, seedOf(run)))),
  )
  const dir = await mkdtemp(join(tmpdir(), 'ipfrs-bench-daemon-'))
  const a = join(dir, 'a')
  const b = join(dir, 'b')
  const warmUpFile = join(dir, 'warm-up.bin')
  const loadAtStart = loadavg()[0]!
  const rows: Row[] = []
  try {
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
    const cids: string[] = []
    for (let run = 0; run < RUNS; run++) {
      const file = join(dir, `file-${run}.bin`)
      await pipeline(pseudoRandomBytes(SIZE, seedOf(run)), createWriteStream(file))
      cids.push(cli(a, ['add', '-q', file]))
    }
    const tcp = cli(a, ['id', '-f', '<addrs>'])
      .split('\n')
      .find((x) => x.includes('/tcp/'))
    if (tcp === undefined) throw new Error('daemon A listens on no TCP address')
    cli(b, ['swarm', 'connect', tcp])
    // one untimed read of a smaller file each way first, as bench/transfer.ts does: no timed run pays for loading and
    // compiling the code on its path (a daemon is a long-lived process; the stock pair runs in this one)
    await pipeline(pseudoRandomBytes(WARM_UP, `${SEED}-warm-up`), createWriteStream(warmUpFile))
    await catThroughCli(b, cli(a, ['add', '-q', warmUpFile]))
    const warm = await stockPair('tcp', pseudoRandomBytes(WARM_UP, `${SEED}-warm-up`))
    await timedRead(() => warm.read()).finally(() => warm.stop())
    const ours: TimedRead[] = []
    const stock: TimedRead[] = []
    const stockTuned: TimedRead[] = []
    let peakRssB = 0
    const kinds = ['ours', 'stock', 'stock-tuned'] as const
    for (let run = 0; run < RUNS; run++) {
      // the order turns each run, so no kind always runs first or last
      for (const what of [...kinds.slice(run % 3), ...kinds.slice(0, run % 3)]) {
        if (what === 'ours') {
          const daemons = () => cpuSecondsOf(pidOf(a)) + cpuSecondsOf(pidOf(b))
          const before = daemons()
          const sampler = setInterval(() => {
            void rssMiB(pidOf(b)).then((r) => {
              peakRssB = Math.max(peakRssB, r)
            })
          }, 100)
          const read = await catThroughCli(b, cids[run]!).finally(() => clearInterval(sampler))
          // CPU of the whole path: both daemons, the CLI, and the reader hashing its output
          ours.push({ ...read, cpuSeconds: read.cpuSeconds + daemons() - before })
        } else {
          const stockRead = async () => {
            const pair = await stockPair('tcp', pseudoRandomBytes(SIZE, seedOf(run)))
            try {
              if (pair.root.toString() !== cids[run]) throw new Error(`ipfrs add gave ${cids[run]}, stock ${pair.root}`)
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
    for (const reads of [ours, stock, stockTuned]) {
      reads.forEach((r, run) => {
        if (r.bytes !== SIZE || r.sha256 !== expected[run]) throw new Error(`a read returned other bytes (${r.bytes})`)
      })
    }
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
        what: `stock pair as above with the daemon's V8 setting (${DAEMON_GC_FLAGS}; reference, not the baseline)`,
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
      `${SIZE / MiB} MiB of pseudo-random bytes, added on A with \`ipfrs add\` (Kubo's settings: CIDv0, 256 KiB leaves), read on B with \`ipfrs cat\` (a CLI process talking to B's HTTP API), its stdout a pipe into a small \`node\` process that checks every byte's sha-256, as \`ipfrs cat <cid> | sha256sum\` would; the stock import of each file gave the same root. Median of ${RUNS} runs, ours, the stock pair and the reference taking turns, after one untimed read of ${WARM_UP / MiB} MiB each way (the code on each path loaded and compiled first). Each run reads another file (A added them all first), so B never held it and nothing was deleted just before: on ext4 without a journal, as this machine's disk is, creating files costs 2–3 times the CPU while inodes freed in the last 30 s are skipped, and the \`ipfrs repo gc\` on B that earlier versions ran between runs made B's next read pay for that (~0.3 s of CPU per 128 MiB).`,
      'Time: from spawning the reader and `ipfrs cat` (CLI start-up included, as a user waits for it) or from the stock session + exporter call, to the last byte. First byte: the first chunk the reader got / out of the exporter.',
      'CPU ms per MiB: CPU time (user + system, every thread) of all the processes on the path over the read, per MiB: ours both daemons, the CLI and the reader hashing the CLI’s output; stock this process, which holds both nodes and reads and hashes too. Unlike MiB/s it does not depend on how much of the 2 cores other work left free.',
      `The daemons count ArrayBuffer memory in V8's heap limit and let the heap double before a full collection (${DAEMON_GC_FLAGS}, set by \`ipfrs daemon\`: fewer full collections for the buffers blocks pass through, more memory while busy); the baseline runs with Node's defaults, as a stock Helia user's process does. The reference row runs the stock pair with the same setting, to show what the setting alone is worth. Peak RSS: daemon B's VmRSS, sampled every 100 ms during our reads.`,
      'Daemons: `ipfrs init --profile test` (127.0.0.1, ports the OS picks, no bootstrap peers), `ipfrs daemon -d`; B dials A over TCP. RSS is VmRSS 5 s after `ipfrs daemon -d` returned, before anything was added.',
      `Machine load (1-minute average) ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end (2 cores shared with other work).`,
      'Reproduce: `pnpm -s turbo run build && node bench/run.ts daemon` (BENCH_DAEMON_MIB, BENCH_DAEMON_RUNS).',
    ])
  } finally {
    for (const repo of [a, b])
      spawnSync(process.execPath, [BIN, '--repo-dir', repo, 'daemon', 'stop'], { stdio: 'ignore' })
    await removeTempDir(dir)
  }
}

await main()
