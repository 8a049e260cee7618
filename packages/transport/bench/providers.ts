// TensorSwap from three providers running as separate processes vs from one of them, the same bytes, one run.
//   - content: BENCH_MODEL_MIB (default 512) MiB of pseudo-random bytes (AES-256-CTR of zeros under a fixed key, so
//     every provider process makes the same bytes without reading a file), in BENCH_CHUNK_KIB (default 1024) KiB raw
//     sha2-256 chunks listed by a TensorManifest; each provider process holds it in a memory blockstore and serves it.
//   - the fetcher (this process) fetches it with `TensorSwap.fetch(cid, { providers })` from one provider, and from all
//     three (work split and stolen), in alternating order, every chunk verified and stored; emptied between fetches.
//   - then the same with each provider's uplink capped (BENCH_UPLINK_MIBS, default 40 MiB/s, by a relay in the provider's
//     process that stops reading from it while ahead of the rate): providers on real networks are bounded by their
//     uplinks, which is where fetching from several pays; on one 2-core machine the uncapped fetch is bounded by the
//     fetcher's CPU instead. The capped fetches move the first BENCH_CAPPED_MIB (default 128) MiB of chunks.
// Run after building: `node packages/transport/bench/providers.ts` (BENCH_MODEL_MIB=64 BENCH_RUNS=1 for a quick run),
// or `node bench/run.ts tensorswap-processes`. Writes bench/results/tensorswap-processes.{json,md}.
import { type ChildProcess, fork } from 'node:child_process'
import { createCipheriv } from 'node:crypto'
import { connect, createServer } from 'node:net'
import { loadavg } from 'node:os'
import { CID } from 'multiformats/cid'
import { cpuSecondsOf } from '../../../bench/lib/cpu.ts'
import { MiB, median, type Row, writeReport } from '../../../bench/lib/report.ts'
import { assembleChunks, decodeManifest, encodeManifest, putChunks, readBlock } from '../dist/index.js'
import { peer } from './peer.ts'

const SIZE = Number(process.env.BENCH_MODEL_MIB ?? 512) * MiB
const CHUNK = Number(process.env.BENCH_CHUNK_KIB ?? 1024) * 1024
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const PROVIDERS = 3
const UPLINK = Number(process.env.BENCH_UPLINK_MIBS ?? 40) * MiB
const CAPPED = Number(process.env.BENCH_CAPPED_MIB ?? 128) * MiB

/**
 * A TCP relay on 127.0.0.1 in front of `port` that forwards what the provider sends at `bytesPerSecond` at most (it
 * stops reading from the provider while ahead of that rate; idle time earns no burst). Resolves to its port.
 */
async function cappedRelay(port: number, bytesPerSecond: number): Promise<number> {
  const server = createServer((inbound) => {
    const out = connect(port, '127.0.0.1')
    inbound.pipe(out)
    let due = performance.now()
    out.on('data', (chunk: Buffer) => {
      inbound.write(chunk)
      due = Math.max(due, performance.now()) + (1000 * chunk.length) / bytesPerSecond
      const wait = due - performance.now()
      if (wait > 50) {
        out.pause()
        setTimeout(() => out.resume(), wait)
      }
    })
    out.on('end', () => inbound.end())
    out.on('error', () => inbound.destroy())
    inbound.on('error', () => out.destroy())
    inbound.on('close', () => out.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as { port: number }).port
}

/** The provider process: makes the content, serves it over TensorSwap, reports its address and the content's CID. */
async function provider(): Promise<void> {
  const p = await peer()
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16, 9))
  const bytes = new Uint8Array(SIZE)
  for (let off = 0; off < SIZE; off += 16 * MiB)
    bytes.set(cipher.update(new Uint8Array(Math.min(16 * MiB, SIZE - off))), off)
  const chunks = await putChunks(p.blockstore, bytes, CHUNK)
  const { cid, bytes: block } = encodeManifest({
    type: 'ipfrs/tensor',
    version: 1,
    encoding: 'bytes',
    dtype: 'U8',
    shape: [SIZE],
    strides: [1],
    byteLength: SIZE,
    chunkSize: CHUNK,
    chunks,
  })
  await p.blockstore.put(cid, block)
  const addr = p.network.addresses()[0] as string
  const relay = await cappedRelay(Number(addr.split('/')[4]), UPLINK)
  const capped = addr.replace(/\/tcp\/\d+\//, `/tcp/${relay}/`)
  process.send?.({ addr, capped, cid: cid.toString() })
  process.on('message', async () => {
    await p.swap.stop()
    await p.network.stop()
    process.exit(0)
  })
}

/** CPU seconds a child process has used so far (NaN where there is none). */
const cpuOf = (child: ChildProcess): number => (child.pid === undefined ? Number.NaN : cpuSecondsOf(child.pid))

async function fetcher(): Promise<void> {
  const loadStart = loadavg()[0]?.toFixed(2)
  const children: ChildProcess[] = []
  const receiver = await peer()
  try {
    const ready = await Promise.all(
      Array.from({ length: PROVIDERS }, () => {
        const child = fork(new URL(import.meta.url).pathname, ['provider'], { stdio: 'inherit' })
        children.push(child)
        return new Promise<{ addr: string; capped: string; cid: string }>((resolve, reject) => {
          child.once('message', (m) => resolve(m as { addr: string; capped: string; cid: string }))
          child.once('exit', (code) => reject(new Error(`provider exited (${code}) before it was ready`)))
        })
      }),
    )
    const cid = CID.parse(ready[0]?.cid as string)
    if (ready.some((r) => r.cid !== cid.toString())) throw new Error('the providers hold different content')
    const ids = []
    for (const r of ready) ids.push(await receiver.network.connect(r.addr))
    await receiver.swap.fetch(cid, { providers: ids.slice(0, 1), only: [0] }) // the manifest, verified and stored
    const manifest = decodeManifest(await readBlock(receiver.blockstore, cid), cid)
    const reset = async () => {
      for (const c of manifest.chunks) await receiver.blockstore.delete(c)
    }
    const encryption = receiver.network.libp2p.getConnections()[0]?.encryption ?? '?'
    const times: Record<'one' | 'three', number[]> = { one: [], three: [] }
    // CPU seconds per fetch: the fetcher (its hash workers included) and all provider processes together
    const cpu: Record<'one' | 'three', { fetcher: number[]; providers: number[] }> = {
      one: { fetcher: [], providers: [] },
      three: { fetcher: [], providers: [] },
    }
    for (let r = -1; r < RUNS; r++) {
      const order: Array<'one' | 'three'> = r % 2 === 0 ? ['three', 'one'] : ['one', 'three']
      for (const what of order) {
        await reset()
        const before = { own: process.cpuUsage(), children: children.map(cpuOf) }
        const t0 = performance.now()
        await receiver.swap.fetch(cid, { providers: what === 'one' ? ids.slice(0, 1) : ids })
        const seconds = (performance.now() - t0) / 1000
        const own = process.cpuUsage(before.own)
        const providerCpu = children.reduce((n, c, i) => n + cpuOf(c) - (before.children[i] ?? 0), 0)
        await assembleChunks(receiver.blockstore, manifest) // throws unless every chunk is there and hashes right
        console.error(`${r < 0 ? 'warm-up' : `run ${r}`} ${what}: ${(SIZE / MiB / seconds).toFixed(1)} MiB/s`)
        if (r >= 0) {
          times[what].push(seconds)
          cpu[what].fetcher.push((own.user + own.system) / 1e6)
          cpu[what].providers.push(providerCpu)
        }
      }
    }
    const mibs = (k: 'one' | 'three') => SIZE / MiB / median(times[k])
    // the ratio of each run's two fetches (taken back to back), then the median: the load of other jobs moves both
    // fetches of a run alike far more than it moves two medians taken over different runs
    const paired = () => median(times.one.map((t, i) => t / (times.three[i] ?? Number.NaN)))
    const msPerMiB = (k: 'one' | 'three') => ((1000 * median(cpu[k].fetcher)) / (SIZE / MiB)).toFixed(1)
    const pct = (k: 'one' | 'three') => ((100 * median(cpu[k].fetcher)) / median(times[k])).toFixed(0)
    const rows: Row[] = [
      {
        method: 'TensorSwap, 1 provider process',
        'MiB/s': mibs('one').toFixed(1),
        'seconds (median)': median(times.one).toFixed(2),
        'vs 1 provider': '1.00',
        'fetcher CPU s': median(cpu.one.fetcher).toFixed(2),
        'providers CPU s': median(cpu.one.providers).toFixed(2),
      },
      {
        method: 'TensorSwap, 3 provider processes',
        'MiB/s': mibs('three').toFixed(1),
        'seconds (median)': median(times.three).toFixed(2),
        'vs 1 provider': paired().toFixed(2),
        'fetcher CPU s': median(cpu.three.fetcher).toFixed(2),
        'providers CPU s': median(cpu.three.providers).toFixed(2),
      },
    ]
    // the same providers behind their capped relays: new connections through them, the first CAPPED bytes of chunks
    for (const id of ids) await receiver.network.disconnect(id)
    const cappedIds = []
    for (const r of ready) cappedIds.push(await receiver.network.connect(r.capped))
    const only = manifest.chunks.slice(0, Math.max(1, Math.floor(CAPPED / CHUNK))).map((_, i) => i)
    const cappedBytes = only.length * CHUNK
    const capped: Record<'one' | 'three', number[]> = { one: [], three: [] }
    for (let r = -1; r < RUNS; r++) {
      for (const what of (r % 2 === 0 ? ['three', 'one'] : ['one', 'three']) as Array<'one' | 'three'>) {
        for (const i of only) await receiver.blockstore.delete(manifest.chunks[i] as CID)
        const t0 = performance.now()
        await receiver.swap.fetch(cid, { providers: what === 'one' ? cappedIds.slice(0, 1) : cappedIds, only })
        const seconds = (performance.now() - t0) / 1000
        for (const i of only) await readBlock(receiver.blockstore, manifest.chunks[i] as CID) // verified, there
        console.error(
          `${r < 0 ? 'warm-up' : `run ${r}`} capped ${what}: ${(cappedBytes / MiB / seconds).toFixed(1)} MiB/s`,
        )
        if (r >= 0) capped[what].push(seconds)
      }
    }
    const cappedMibs = (k: 'one' | 'three') => cappedBytes / MiB / median(capped[k])
    rows.push(
      {
        method: `TensorSwap, 1 provider process, uplink capped at ${UPLINK / MiB} MiB/s`,
        'MiB/s': cappedMibs('one').toFixed(1),
        'seconds (median)': median(capped.one).toFixed(2),
        'vs 1 provider': '1.00',
        'fetcher CPU s': '',
        'providers CPU s': '',
      },
      {
        method: `TensorSwap, 3 provider processes, each uplink capped at ${UPLINK / MiB} MiB/s`,
        'MiB/s': cappedMibs('three').toFixed(1),
        'seconds (median)': median(capped.three).toFixed(2),
        'vs 1 provider': median(capped.one.map((t, i) => t / (capped.three[i] ?? Number.NaN))).toFixed(2),
        'fetcher CPU s': '',
        'providers CPU s': '',
      },
    )
    writeReport(
      'tensorswap-processes',
      `TensorSwap from 3 provider processes vs 1: ${SIZE / MiB} MiB in ${CHUNK / 1024} KiB chunks over TCP loopback`,
      rows,
      [
        `Each provider is its own Node process holding the same content in a memory blockstore; the fetcher is a fourth process. Median of ${RUNS} run(s) after one untimed warm-up, the two fetches of each run in alternating order; the fetcher's blockstore is emptied before each fetch.`,
        'Every chunk is verified (sha2-256, on a worker thread) before it is stored; the result is reassembled and hash-checked after each fetch (untimed).',
        `Capped rows: each provider behind a relay in its own process that forwards at most ${UPLINK / MiB} MiB/s toward the fetcher (it stops reading from the provider while more than 50 ms ahead of that rate; idle time earns no burst), as a provider's uplink bounds it on a real network; the fetches move the first ${cappedBytes / MiB} MiB of chunks, every chunk verified. Uncapped, on this machine the fetcher's CPU is the bound for both (below).`,
        `The connections negotiated ${encryption}. CPU seconds are medians per fetch: the fetcher's (its hash workers included) from process.cpuUsage(), the providers' (all three processes) from /proc.`,
        `The fetcher decrypts and demultiplexes every byte on one thread whichever provider sent it: it spent ${msPerMiB('one')} ms of CPU per MiB with one provider and ${msPerMiB('three')} with three, so a core of its own would take it to about ${(1000 / Number(msPerMiB('one'))).toFixed(0)} MiB/s however many providers send. Here it got ${pct('one')}% of a core with one provider and ${pct('three')}% with three: all four processes share this machine's ${navigator.hardwareConcurrency} cores with other jobs (load average ${loadStart} at the start, ${loadavg()[0]?.toFixed(2)} at the end), and the three providers together used ${median(cpu.three.providers).toFixed(2)} s of CPU vs ${median(cpu.one.providers).toFixed(2)} s for one. On 2 cores 3 providers cannot beat 1 by much, the fetcher being the bottleneck: a ratio far from 1 here comes from the share of the cores each fetch got from the other jobs, not from the work (compare the CPU seconds). 'vs 1 provider' is the median of each run's ratio of its two back-to-back fetches.`,
      ],
    )
  } finally {
    for (const child of children) child.send('stop')
    await receiver.swap.stop()
    await receiver.network.stop()
  }
}

if (process.argv[2] === 'provider') await provider()
else await fetcher()
