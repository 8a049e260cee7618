// Soak: a real daemon (`ipfrs daemon` on a temp repo made with `init --profile test`) under rounds of gateway GETs
// of 1 KiB files and RPC adds, its RSS and heap after each round and after idling; then fetch stalls: transfers of
// a large file daemon → daemon over TCP on 127.0.0.1, to a default receiver and to one on Bitswap alone, counting
// those that did not complete.
//   BENCH_SOAK_QUICK=1            a small run (2 rounds of 2,000 GETs + 200 adds, 10 s idle, 3 transfers of 16 MiB)
//   BENCH_SOAK_ROUNDS, BENCH_SOAK_GETS, BENCH_SOAK_ADDS, BENCH_SOAK_IDLE_S, BENCH_SOAK_TRANSFERS,
//   BENCH_SOAK_TRANSFER_MIB       override each figure
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { addBytes, BIN, cli, type Daemon, metric, rssMiB, startDaemon, stopDaemon } from './lib/daemon.ts'
import { MiB, median, type Row, writeReport } from './lib/report.ts'

const QUICK = process.env.BENCH_SOAK_QUICK === '1'
const num = (name: string, full: number, quick: number) => Number(process.env[name] ?? (QUICK ? quick : full))
const ROUNDS = num('BENCH_SOAK_ROUNDS', 3, 2)
const GETS = num('BENCH_SOAK_GETS', 20_000, 2_000)
const ADDS = num('BENCH_SOAK_ADDS', 2_000, 200)
const IDLE_S = num('BENCH_SOAK_IDLE_S', 60, 10)
const TRANSFERS = num('BENCH_SOAK_TRANSFERS', 20, 3)
const TRANSFER_MIB = num('BENCH_SOAK_TRANSFER_MIB', 128, 16)
/** Seconds a receiver idles after its transfers before its RSS is read again (the daemon collects when idle). */
const TRANSFER_IDLE_S = 15
const CONCURRENCY = 32

/** Runs `count` jobs, `concurrency` at a time. */
async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await job(next++)
    }),
  )
}

async function memoryRounds(dir: string, rows: Row[], notes: string[]): Promise<void> {
  const d = await startDaemon(join(dir, 'soak'))
  try {
    const pid = d.child.pid!
    await sleep(2000) // let start-up settle (the DHT, the first health check)
    const startRss = await rssMiB(pid)
    const startHeap = await metric(d, 'ipfrs_nodejs_heap_size_used_bytes')
    rows.push({
      phase: 'after start (baseline)',
      'RSS MiB': startRss.toFixed(0),
      'heap MiB': (startHeap / MiB).toFixed(0),
      'RSS vs start': '1.00',
    })
    const cids: string[] = []
    let failedGets = 0
    for (let round = 1; round <= ROUNDS; round++) {
      const t0 = Date.now()
      await pool(ADDS, 16, async () => {
        cids.push(await addBytes(d.api, randomBytes(1024)))
      })
      await pool(GETS, CONCURRENCY, async (i) => {
        const res = await fetch(`${d.gateway}/ipfs/${cids[(i * 7919) % cids.length]}`)
        const body = await res.arrayBuffer()
        if (res.status !== 200 || body.byteLength !== 1024) failedGets++
      })
      const rss = await rssMiB(pid)
      const heap = await metric(d, 'ipfrs_nodejs_heap_size_used_bytes')
      rows.push({
        phase: `round ${round}: ${ADDS} adds + ${GETS} GETs (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
        'RSS MiB': rss.toFixed(0),
        'heap MiB': (heap / MiB).toFixed(0),
        'RSS vs start': (rss / startRss).toFixed(2),
      })
      console.error(rows.at(-1))
    }
    await sleep(IDLE_S * 1000)
    const idleRss = await rssMiB(pid)
    const idleHeap = await metric(d, 'ipfrs_nodejs_heap_size_used_bytes')
    rows.push({
      phase: `after ${IDLE_S} s idle`,
      'RSS MiB': idleRss.toFixed(0),
      'heap MiB': (idleHeap / MiB).toFixed(0),
      'RSS vs start': (idleRss / startRss).toFixed(2),
    })
    notes.push(
      `Memory: one daemon; each round adds ${ADDS} distinct 1 KiB files through the RPC API (16 at a time) and makes ${GETS} gateway GETs spread over every file added so far (${CONCURRENCY} at a time). RSS from /proc/<pid>/status (VmRSS), heap from the daemon's /metrics (ipfrs_nodejs_heap_size_used_bytes). Goal: RSS after idling ≤ 1.3× RSS after start; here ${(idleRss / startRss).toFixed(2)}×. GETs that did not answer 200 with the 1 KiB: ${failedGets}.`,
    )
  } finally {
    await stopDaemon(d)
  }
}

/** The receivers the transfers go to: ours by default (leaves over TensorSwap), and Bitswap alone (as from Kubo). */
const RECEIVERS: Array<{ name: string; config: Record<string, string> }> = [
  { name: 'leaves over TensorSwap (the default)', config: {} },
  { name: 'Bitswap only (Routing.TensorSwapFiles false)', config: { 'Routing.TensorSwapFiles': 'false' } },
]

async function fetchStalls(dir: string, rows: Row[], notes: string[]): Promise<void> {
  const a = await startDaemon(join(dir, 'sender'))
  try {
    for (const [k, receiver] of RECEIVERS.entries()) {
      const b = await startDaemon(join(dir, `receiver-${k}`), receiver.config)
      try {
        await transfers(a, b, receiver.name, rows)
      } finally {
        await stopDaemon(b)
      }
    }
  } finally {
    await stopDaemon(a)
  }
  notes.push(
    `Fetch stalls: a transfer counts as stalled when \`ipfrs cat\` through the receiving daemon did not return every byte (the fetch limit is Routing.FetchTimeoutSeconds, 60 s per block). "Wants asked again" is the receiver's ipfrs_bitswap_want_retries_total: wants that got no block within 10 s (or whose session gave up) and were asked again. Each kind of receiver is a fresh daemon fetching from the same sender; its RSS is read before the first transfer, after each (the peak of each half shows whether it keeps growing) and after ${TRANSFER_IDLE_S} s idle. Goal 0 stalls of 20 at 128 MiB.`,
  )
}

async function transfers(a: Daemon, b: Daemon, name: string, rows: Row[]): Promise<void> {
  cli(b.repo, ['swarm', 'connect', a.swarm])
  const rssBefore = await rssMiB(b.child.pid!)
  let stalls = 0
  const seconds: number[] = []
  const rss: number[] = []
  for (let i = 0; i < TRANSFERS; i++) {
    const file = join(a.repo, '..', 'transfer.bin')
    await writeFile(file, randomBytes(TRANSFER_MIB * MiB))
    const cid = cli(a.repo, ['add', '-Q', file])
    const t0 = Date.now()
    const r = spawnSync(process.execPath, [BIN, 'cat', cid], {
      env: { ...process.env, IPFRS_PATH: b.repo },
      maxBuffer: (TRANSFER_MIB + 1) * MiB,
    })
    const s = (Date.now() - t0) / 1000
    const ok = r.status === 0 && r.stdout.byteLength === TRANSFER_MIB * MiB
    if (!ok) stalls++
    seconds.push(s)
    console.error(
      `${name}: transfer ${i + 1}/${TRANSFERS}: ${ok ? 'ok' : `FAILED (${r.stdout.byteLength} bytes, ${r.stderr})`} in ${s.toFixed(1)} s`,
    )
    if (b.child.exitCode != null) throw new Error(`the receiving daemon died:\n${b.log()}`)
    rss.push(await rssMiB(b.child.pid!))
  }
  const retries = await metric(b, 'ipfrs_bitswap_want_retries_total')
  await sleep(TRANSFER_IDLE_S * 1000)
  const rssIdle = await rssMiB(b.child.pid!)
  const half = Math.floor(rss.length / 2)
  const peak = (xs: number[]) => Math.max(...xs).toFixed(0)
  rows.push({
    phase: `${TRANSFERS} transfers of ${TRANSFER_MIB} MiB daemon → daemon (TCP, 127.0.0.1), receiver: ${name}`,
    'RSS MiB': `${rssBefore.toFixed(0)} before; after each transfer: peak ${peak(rss.slice(0, half))} in the first half, ${peak(rss.slice(half))} in the second; ${rssIdle.toFixed(0)} after ${TRANSFER_IDLE_S} s idle`,
    'fetch stalls': `${stalls} of ${TRANSFERS}`,
    'wants asked again': Number.isNaN(retries) ? 0 : retries,
    'median s': median(seconds).toFixed(1),
  })
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ipfrs-bench-soak-'))
  const rows: Row[] = []
  const notes: string[] = []
  const loadAtStart = loadavg()[0]!
  try {
    await memoryRounds(dir, rows, notes)
    if (TRANSFERS > 0) await fetchStalls(dir, rows, notes)
    notes.push(
      `Reproduce: node bench/soak.ts (or node bench/run.ts soak); BENCH_SOAK_QUICK=1 for a small run; BENCH_SOAK_ROUNDS, BENCH_SOAK_GETS, BENCH_SOAK_ADDS, BENCH_SOAK_IDLE_S, BENCH_SOAK_TRANSFERS, BENCH_SOAK_TRANSFER_MIB set each figure. This run: ${ROUNDS} rounds, ${GETS} GETs, ${ADDS} adds, ${IDLE_S} s idle, ${TRANSFERS} transfers of ${TRANSFER_MIB} MiB.`,
      `Machine load (1-minute average) ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end: other processes share this machine.`,
    )
    writeReport('soak', 'Soak: a real daemon under load — RSS and heap per round, fetch stalls', rows, notes)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
