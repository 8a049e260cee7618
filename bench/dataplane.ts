// Issue 16's table in one command: every data-plane number, ours and its baseline from the same run, with the ratio
// and the goal. It runs the benches that measure them, each in its own process and each measuring its own baseline
// next to ours (transfer, daemon, gateway, add, js-ipfs; sizes as the issue has them), then reads their results and writes
// bench/results/dataplane.{json,md}. BENCH_DATAPLANE_ONLY=transfer,daemon,... reruns some and reuses the rest's (empty: none)
// latest results; BENCH_DATAPLANE_RUNS (default 3) sets the runs of the transfer benches.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { DAEMON_GC_FLAGS } from './lib/gc-setting.ts'
import { RESULTS, type Row, writeReport } from './lib/report.ts'
import { removeTempDir } from './lib/temp.ts'

const RUNS = process.env.BENCH_DATAPLANE_RUNS ?? '3'
const STEPS: Record<string, { file: string; env: Record<string, string> }> = {
  transfer: {
    file: 'transfer.ts',
    env: { BENCH_TRANSFER_MIB: '128', BENCH_TRANSFER_RUNS: RUNS, BENCH_TRANSFER_TRANSPORTS: 'tcp,quic' },
  },
  daemon: { file: 'daemon.ts', env: { BENCH_DAEMON_MIB: '128', BENCH_DAEMON_RUNS: RUNS } },
  gateway: { file: 'gateway.ts', env: { BENCH_GATEWAY_SECONDS: '10' } },
  add: { file: 'add.ts', env: { BENCH_ADD_MIB: '256', BENCH_RUNS: '3', BENCH_RSS_MIB: '256' } },
  'js-ipfs': { file: 'js-ipfs.ts', env: { BENCH_JSIPFS_MIB: '50', BENCH_JSIPFS_RUNS: RUNS } },
}
const only = process.env.BENCH_DATAPLANE_ONLY?.split(',').filter(Boolean) ?? Object.keys(STEPS)
const reused = Object.keys(STEPS).filter((s) => !only.includes(s))

// every step's temp dirs stay until the last step has run (see lib/temp.ts): one step's cleanup must not slow the next
const tmp = await mkdtemp(join(tmpdir(), 'ipfrs-bench-dataplane-'))

try {
  for (const name of only) {
    const step = STEPS[name]
    if (step === undefined) throw new Error(`unknown step ${name}; known: ${Object.keys(STEPS).join(', ')}`)
    console.error(`\n### dataplane: ${name}`)
    const r = spawnSync(process.execPath, [new URL(`./${step.file}`, import.meta.url).pathname], {
      stdio: 'inherit',
      env: { ...process.env, ...step.env, TMPDIR: tmp, BENCH_KEEP_TMP: '1' },
    })
    if (r.status !== 0) throw new Error(`bench ${name} failed (exit ${r.status})`)
  }
} finally {
  await removeTempDir(tmp)
}

type Rows = Array<Record<string, string>>
const rowsOf = (name: string): Rows => JSON.parse(readFileSync(join(RESULTS, `${name}.json`), 'utf8')).rows
const find = (rows: Rows, test: (r: Record<string, string>) => boolean, what: string) => {
  const row = rows.find(test)
  if (row === undefined) throw new Error(`no row for ${what} in the results`)
  return row
}
const num = (v: string | undefined) => Number(String(v).replace(/,/g, ''))

const transfer = rowsOf('transfer')
const tRow = (transport: string, ours: boolean) =>
  find(
    transfer,
    (r) => r.transport === transport && r.what!.includes(ours ? '(ours)' : 'memory blockstores (baseline)'),
    `transfer ${transport}`,
  )
const daemon = rowsOf('daemon')
const dOurs = find(daemon, (r) => r.what!.includes('(ours)'), 'daemon cat')
const dBase = find(daemon, (r) => r.what!.includes('(baseline)') && r['MiB/s'] !== '', 'daemon baseline')
const rssOurs = find(daemon, (r) => r.what!.includes('`ipfrs daemon`'), 'daemon RSS')
const rssBare = find(daemon, (r) => r.what!.includes('bare `node`'), 'bare node RSS')
const gateway = rowsOf('gateway')
const gw = (object: string, ours: boolean) =>
  find(gateway, (r) => r.object === object && r.server!.includes(ours ? 'ipfrs' : 'bare'), `gateway ${object}`)
const add = rowsOf('add')
const addOurs = find(add, (r) => r.what === 'ipfrs addFile (no compression)', 'add')
const addLimit = find(add, (r) => r.what!.startsWith('read + sha-256'), 'add limit')

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`
const rows: Row[] = []
const row = (work: string, ours: string, baseline: string, r: string, goal: string, met: boolean) =>
  rows.push({ work, ours, baseline, ratio: r, goal, met: met ? 'yes' : 'no' })
/** A row whose goal is ours ≥ `goal` × the baseline (`unit` follows our number; the baseline's label, its number). */
const atLeast = (work: string, ours: number, unit: string, baseline: string, base: number, goal: number) =>
  row(work, `${ours} ${unit}`, `${baseline} ${base}`, ratio(ours, base), `≥ ${goal}×`, ours / base >= goal)

const [tcpOurs, tcpBase] = [num(tRow('tcp', true)['MiB/s']), num(tRow('tcp', false)['MiB/s'])]
atLeast(
  '128 MiB between in-process nodes (`cat`: leaves over TensorSwap, the rest Bitswap)',
  tcpOurs,
  'MiB/s',
  'stock Helia→Helia (Bitswap), memory blockstores',
  tcpBase,
  1.5,
)
const bitswapRow = find(transfer, (r) => r.transport === 'tcp' && r.what!.includes('Bitswap only'), 'Bitswap only')
const tcpBitswap = num(bitswapRow['MiB/s'])
atLeast('same, Bitswap only (`Routing.TensorSwapFiles` false)', tcpBitswap, 'MiB/s', 'stock', tcpBase, 1.5)
const [dO, dB] = [num(dOurs['MiB/s']), num(dBase['MiB/s'])]
atLeast('same, through two daemons (`ipfrs cat` on B of A’s file, TCP)', dO, 'MiB/s', 'stock Helia in memory', dB, 1.5)
const [fO, fB] = [num(tRow('tcp', true)['first block ms']), num(tRow('tcp', false)['first block ms'])]
row(
  'first block of a 128 MiB file',
  `${fO} ms`,
  `stock ${fB} ms`,
  `${(fO / fB).toFixed(2)}× the time`,
  '< 50 ms',
  fO < 50,
)
for (const [object, goal, unit] of [
  ['1 KiB', 0.5, 'req/s'],
  ['1 MiB', 0.6, 'MiB/s'],
] as const) {
  atLeast(
    `gateway, ${object} objects`,
    num(gw(object, true)[unit]),
    unit,
    'bare node:http',
    num(gw(object, false)[unit]),
    goal,
  )
}
atLeast('add 256 MiB', num(addOurs['MiB/s']), 'MiB/s', 'read + sha-256', num(addLimit['MiB/s']), 0.5)
atLeast('QUIC vs TCP transfer (ours)', num(tRow('quic', true)['MiB/s']), 'MiB/s', 'TCP', tcpOurs, 1)
const rssMax = Math.max(...String(rssOurs['RSS MiB']).split(',').map(num))
row(
  'daemon RSS 5 s after start',
  `${rssMax} MiB`,
  `bare node ${rssBare['RSS MiB']} MiB`,
  ratio(rssMax, num(rssBare['RSS MiB'])),
  '≤ 120 MiB',
  rssMax <= 120,
)

const jsIpfs = rowsOf('js-ipfs')
const [jO, jB] = [
  num(find(jsIpfs, (r) => r.what!.includes('(ours serving)'), 'js-ipfs ours')['MiB/s']),
  num(find(jsIpfs, (r) => r.what!.includes('(baseline)'), 'js-ipfs baseline')['MiB/s']),
]
atLeast('serving js-ipfs 0.66 (50 MiB, Bitswap)', jO, 'MiB/s', 'js-ipfs → js-ipfs', jB, 1)

/** CPU per MiB moved, ours against the baseline (rows of results from before the column: nothing). */
const cpuNote = (what: string, ours: Record<string, string>, base: Record<string, string>) => {
  const [o, b] = [num(ours['CPU ms per MiB']), num(base['CPU ms per MiB'])]
  return Number.isFinite(o) && Number.isFinite(b) ? [`${what} ${o} ms vs ${b} ms (${ratio(o, b)})`] : []
}
const cpuNotes = [
  ...cpuNote('in-process', tRow('tcp', true), tRow('tcp', false)),
  ...cpuNote('Bitswap only', bitswapRow, tRow('tcp', false)),
  ...cpuNote('two daemons (both daemons, the CLI and the reader)', dOurs, dBase),
]

/** Ours in process and the stock pair with the V8 setting `ipfrs daemon` applies to itself (rows of older results: none). */
const tunedRows = [
  transfer.find((r) => r.transport === 'tcp' && r.what!.includes('reference')),
  daemon.find((r) => r.what!.includes('reference')),
]
const tunedNote =
  tunedRows[0] !== undefined && tunedRows[1] !== undefined
    ? [
        `The daemons run with V8 counting ArrayBuffer memory in the heap's limit and letting the heap double before a full collection (${DAEMON_GC_FLAGS}, packages/core/src/gc-tuning.ts); the in-process rows and every baseline run with Node's defaults. With that setting, for reference: ours in process ${tunedRows[0]['MiB/s']} MiB/s (${ratio(num(tunedRows[0]['MiB/s']), num(tRow('tcp', false)['MiB/s']))} the baseline), ${tunedRows[0]['CPU ms per MiB']} ms of CPU per MiB; the stock pair ${tunedRows[1]['MiB/s']} MiB/s, ${tunedRows[1]['CPU ms per MiB']} ms per MiB (bench/results/daemon.md).`,
      ]
    : []

writeReport('dataplane', 'Data plane (issue 16): ours and the baseline, each pair from the same run', rows, [
  `Rows from bench/results/{transfer,daemon,gateway,add,js-ipfs}.md (see each for its method, notes and date); run now: ${only.length > 0 ? only.join(', ') : "none (rebuilt from the steps' results)"}${reused.length > 0 ? `; reused from their last run: ${reused.join(', ')}` : ''}. Transfers: median of ${RUNS} runs; stock QUIC for reference: ${tRow('quic', false)['MiB/s']} MiB/s.`,
  `Machine load (1-minute average) at the end: ${loadavg()[0]!.toFixed(1)} on this machine.`,
  'The 2-core machine is shared with other work: compare ratios, not absolute numbers, and rerun when in doubt.',
  "The steps' temp dirs (repos, ~11 GB for all steps) stay until the last step has run: on ext4 without a journal, as this machine's disk is, creating files right after a large delete costs several times the CPU in the kernel's inode allocator (perf: ~70% of a file creation's CPU in `recently_deleted`), which fell on whichever step came next.",
  ...(cpuNotes.length > 0
    ? [
        `CPU per MiB moved, ours vs the baseline (every thread of every process on the path; unlike MiB/s, it does not depend on how busy the machine is): ${cpuNotes.join('; ')}.`,
      ]
    : []),
  ...tunedNote,
  'Reproduce: `pnpm -s turbo run build && node bench/run.ts dataplane` (BENCH_DATAPLANE_ONLY=gateway reruns one step).',
])
