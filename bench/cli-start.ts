// How fast the `ipfrs` CLI starts, against `node -e 0` on the same Node in the same run (the baseline: no CLI can
// start faster than its runtime). Each command runs RUNS times, the commands taking turns so a busy machine slows
// them alike; the medians and their ratios to the baseline are reported with the goals of issue 13:
//   - `ipfrs version`: ≤ 4× the baseline, peak RSS ≤ 90 MiB;
//   - an offline `ipfrs add -q` of a 6-byte file (a temp repo, no daemon): ≤ 8×;
//   - commands through a running daemon (`id`, `cat` and `add -q` of a small file): ≤ 5×.
// Peak RSS comes from /usr/bin/time -f %M when it exists, else from polling /proc/<pid>/status (VmHWM).
// BENCH_CLI_RUNS sets the runs per command (default 9; 3 for a quick look).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN } from './lib/daemon.ts'
import { median, type Row, writeReport } from './lib/report.ts'

const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 9)
const TIME = '/usr/bin/time'
const hasTime = existsSync(TIME)

interface Sample {
  seconds: number
  rssMiB: number
}

/** Runs `node <args>` once; wall time from spawn to exit, peak RSS of the node process. Throws on a non-zero exit. */
async function run(args: string[]): Promise<Sample> {
  const rssFile = join(tmpdir(), `ipfrs-bench-cli-rss-${process.pid}`)
  const [cmd, argv] = hasTime
    ? [TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...args]]
    : [process.execPath, args]
  const start = performance.now()
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stdout.resume()
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  let peakKiB = 0
  const poll = hasTime ? undefined : setInterval(() => (peakKiB = Math.max(peakKiB, vmHwmKiB(child.pid))), 2)
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  const seconds = (performance.now() - start) / 1000
  if (poll !== undefined) clearInterval(poll)
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}: ${stderr}`)
  if (hasTime) {
    peakKiB = Number((await readFile(rssFile, 'utf8')).trim().split('\n').at(-1))
    await rm(rssFile, { force: true })
  }
  return { seconds, rssMiB: peakKiB / 1024 }
}

function vmHwmKiB(pid: number | undefined): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  } catch {
    return 0 // gone already
  }
}

function cli(repo: string, ...args: string[]): string[] {
  return [BIN, '--repo-dir', repo, ...args]
}

function check(args: string[]): string {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}: ${r.stderr}`)
  return r.stdout.trim()
}

async function main(): Promise<void> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (pnpm -s turbo run build)`)
  const dir = await mkdtemp(join(tmpdir(), 'ipfrs-bench-cli-'))
  const offline = join(dir, 'offline')
  const online = join(dir, 'online')
  const file = join(dir, 'small.txt')
  await writeFile(file, 'hello\n') // 6 bytes
  check(cli(offline, 'init', '--profile', 'test'))
  check(cli(online, 'init', '--profile', 'test'))
  // the test profile: 127.0.0.1 on ports the OS picks, no bootstrap peers (the daemon never dials out)
  check(cli(online, 'daemon', '-d'))
  try {
    const cid = check(cli(online, 'add', '-q', file))
    const cases: Array<{ name: string; args: string[]; goal?: number; rssGoal?: number }> = [
      { name: 'node -e 0 (baseline)', args: ['-e', '0'] },
      { name: 'ipfrs version', args: cli(offline, 'version'), goal: 4, rssGoal: 90 },
      { name: 'ipfrs add -q (offline, 6 B)', args: cli(offline, 'add', '-q', file), goal: 8 },
      { name: 'ipfrs id (daemon)', args: cli(online, 'id'), goal: 5 },
      { name: 'ipfrs cat (daemon, 6 B)', args: cli(online, 'cat', cid), goal: 5 },
      { name: 'ipfrs add -q (daemon, 6 B)', args: cli(online, 'add', '-q', file), goal: 5 },
    ]
    const samples = cases.map(() => [] as Sample[])
    for (let i = 0; i < RUNS; i++) {
      for (const [j, c] of cases.entries()) samples[j]!.push(await run(c.args))
    }
    const base = median(samples[0]!.map((s) => s.seconds))
    const baseMin = Math.min(...samples[0]!.map((s) => s.seconds))
    const rows: Row[] = cases.map((c, j) => {
      const seconds = median(samples[j]!.map((s) => s.seconds))
      const rss = median(samples[j]!.map((s) => s.rssMiB))
      const ratio = seconds / base
      const withinRss = c.rssGoal === undefined || rss <= c.rssGoal
      const met = c.goal === undefined ? '' : ratio <= c.goal && withinRss ? 'yes' : 'no'
      return {
        command: c.name,
        'median ms': Math.round(seconds * 1000),
        'min ms': Math.round(Math.min(...samples[j]!.map((s) => s.seconds)) * 1000),
        'peak RSS MiB': rss.toFixed(0),
        'ratio to node -e 0': ratio.toFixed(2),
        'ratio of minimums': (Math.min(...samples[j]!.map((s) => s.seconds)) / baseMin).toFixed(2),
        goal: c.goal === undefined ? '' : `≤ ${c.goal}×${c.rssGoal === undefined ? '' : `, ≤ ${c.rssGoal} MiB`}`,
        met,
      }
    })
    writeReport('cli-start', 'CLI start-up: ipfrs commands vs node -e 0', rows, [
      `${RUNS} runs per command, the commands taking turns; medians (the goals are on medians), and the ratio of the fastest runs. Wall time from spawn to exit, measured by the bench.`,
      `1-minute load average ${loadavg()[0]?.toFixed(1)} at the end (a busy machine slows every row, the baseline too).`,
      `Peak RSS: ${hasTime ? '/usr/bin/time -f %M' : 'VmHWM polled from /proc'} (median of the runs).`,
      'Offline add: a repo made by `ipfrs init --profile test`, no daemon; the same 6-byte file each run.',
      'Daemon rows: `ipfrs daemon -d` on a second test repo; the CLI finds it through <repo>/api and talks HTTP.',
      'Reproduce: `pnpm -s turbo run build && node bench/run.ts cli-start` (BENCH_CLI_RUNS=3 for a quick run).',
    ])
  } finally {
    spawnSync(process.execPath, cli(online, 'daemon', 'stop'), { stdio: 'ignore' })
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
