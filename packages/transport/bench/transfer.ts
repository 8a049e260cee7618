// TensorSwap vs Bitswap: the same bytes, the same nodes, the same run, over TCP on 127.0.0.1.
//   - content: BENCH_MODEL_MIB (default 512) MiB of random bytes, chunked into BENCH_CHUNK_KIB (default 1024) KiB raw
//     sha2-256 blocks listed by a TensorManifest, stored in the providers' memory blockstores.
//   - TensorSwap: the receiver's `TensorSwap.fetch(manifest, { providers })`, every chunk verified and stored.
//   - Bitswap (baseline): the receiver's `network.session(manifest).get(chunk)` for every chunk CID, BENCH_BITSWAP_WANTS
//     (default 8; 32 made Helia time out at 512 MiB) at a time, through Helia's Bitswap (which also verifies and stores every block).
//   - 3 providers vs 1: TensorSwap from three providers holding the same content (work split and stolen) vs from one.
// The receiver's blockstore is emptied between runs; each timing is from the call to the last chunk stored.
// Run after building: `node packages/transport/bench/transfer.ts` (BENCH_MODEL_MIB=32 BENCH_RUNS=1 for a quick run),
// or `node bench/run.ts tensorswap`. Writes bench/results/tensorswap.{json,md}.
import { randomFillSync } from 'node:crypto'
import { loadavg } from 'node:os'
import { MiB, median, type Row, writeReport } from '../../../bench/lib/report.ts'
import { assembleChunks, encodeManifest, putChunks } from '../dist/index.js'
import { type Peer, peer } from './peer.ts'

const SIZE = Number(process.env.BENCH_MODEL_MIB ?? 512) * MiB
const CHUNK = Number(process.env.BENCH_CHUNK_KIB ?? 1024) * 1024
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const WANTS = Number(process.env.BENCH_BITSWAP_WANTS ?? 8)

/** Random bytes, chunked into raw blocks in every provider, and their manifest. */
async function content(providers: Peer[]) {
  const bytes = new Uint8Array(SIZE)
  for (let off = 0; off < SIZE; off += 64 * MiB) randomFillSync(bytes, off, Math.min(64 * MiB, SIZE - off))
  // every provider stores views of the same buffer (MemoryBlockstore keeps what it is given): one copy in memory
  let chunks: Awaited<ReturnType<typeof putChunks>> = []
  for (const p of providers) chunks = await putChunks(p.blockstore, bytes, CHUNK)
  const manifest = {
    type: 'ipfrs/tensor' as const,
    version: 1 as const,
    encoding: 'bytes' as const,
    dtype: 'U8' as const,
    shape: [SIZE],
    strides: [1],
    byteLength: SIZE,
    chunkSize: CHUNK,
    chunks,
  }
  const { cid, bytes: block } = encodeManifest(manifest)
  for (const p of providers) await p.blockstore.put(cid, block)
  return { cid, manifest }
}

async function main(): Promise<void> {
  const loadStart = loadavg()[0]?.toFixed(2)
  const providers = [await peer(), await peer(), await peer()]
  const receiver = await peer()
  const ids = []
  for (const p of providers) {
    await receiver.network.connect(p.network.addresses()[0] as string)
    ids.push(p.network.peerId)
  }
  const encryption = receiver.network.libp2p.getConnections()[0]?.encryption ?? '?'
  const times: Record<string, number[]> = { bitswap: [], one: [], three: [] }
  // CPU seconds of this process (both ends of every transfer, hash workers included) per fetch
  const cpu: Record<string, number[]> = { bitswap: [], one: [], three: [] }
  // fresh content per run: Helia's Bitswap does not serve a block again to a peer it already sent it to (a second
  // fetch of the same CIDs by the same receiver times out), so each run's Bitswap fetch gets CIDs it never saw
  for (let r = -1; r < RUNS; r++) {
    const label = r < 0 ? 'warm-up' : `run ${r}`
    const { cid, manifest } = await content(providers)
    const all = [cid, ...manifest.chunks]
    const reset = async () => {
      for (const c of all) await receiver.blockstore.delete(c)
    }
    const timed = async (what: string, key: string, run: () => Promise<unknown>): Promise<number> => {
      await reset()
      const c0 = process.cpuUsage()
      const t0 = performance.now()
      await run()
      const seconds = (performance.now() - t0) / 1000
      const used = process.cpuUsage(c0)
      if (r >= 0) cpu[key]?.push((used.user + used.system) / 1e6)
      await assembleChunks(receiver.blockstore, manifest) // throws unless every chunk is there and hashes right
      console.error(
        `${label} ${what}: ${(SIZE / MiB / seconds).toFixed(1)} MiB/s, ${((used.user + used.system) / 1e6).toFixed(2)} CPU s`,
      )
      return seconds
    }
    const bitswap = async () => {
      const session = receiver.network.session(cid)
      let next = 0
      const worker = async () => {
        while (next < manifest.chunks.length) {
          const c = manifest.chunks[next++]
          if (c === undefined) break
          for await (const _ of session.get(c)) {
            // the session stores the verified block in the receiver's blockstore
          }
        }
      }
      await Promise.all(Array.from({ length: WANTS }, worker))
    }
    const tensorswap = (from: typeof ids) => () => receiver.swap.fetch(cid, { providers: from })
    const b = await timed('bitswap', 'bitswap', bitswap)
    const one = await timed('tensorswap 1 provider', 'one', tensorswap(ids.slice(0, 1)))
    const three = await timed('tensorswap 3 providers', 'three', tensorswap(ids))
    if (r >= 0) {
      times.bitswap?.push(b)
      times.one?.push(one)
      times.three?.push(three)
    }
    for (const p of [...providers, receiver]) for (const c of all) await p.blockstore.delete(c)
  }
  const mibs = (k: string) => SIZE / MiB / median(times[k] ?? [])
  // each run's ratio (its fetches back to back), then the median: other jobs' load moves a run's fetches alike
  const vs = (k: string, base: string) =>
    median((times[base] ?? []).map((t, i) => t / (times[k]?.[i] ?? Number.NaN))).toFixed(2)
  const row = (what: string, k: string, extra: Row = {}): Row => ({
    method: what,
    'MiB/s': mibs(k).toFixed(1),
    'seconds (median)': median(times[k] ?? []).toFixed(2),
    'CPU s (median)': median(cpu[k] ?? []).toFixed(2),
    ...extra,
  })
  const rows: Row[] = [
    row('Bitswap: network.session(manifest).get(chunk), 1 provider', 'bitswap', { 'vs Bitswap': '1.00' }),
    row('TensorSwap, 1 provider', 'one', { 'vs Bitswap': vs('one', 'bitswap') }),
    row('TensorSwap, 3 providers', 'three', {
      'vs Bitswap': vs('three', 'bitswap'),
      'vs 1 provider': vs('three', 'one'),
    }),
  ]
  writeReport(
    'tensorswap',
    `TensorSwap vs Bitswap: ${SIZE / MiB} MiB in ${CHUNK / 1024} KiB chunks over TCP loopback`,
    rows,
    [
      `Same process, same nodes; each run has fresh random content that all three methods fetch in turn (the receiver emptied before each); median of ${RUNS} run(s) after one untimed warm-up run; the ratios are medians of each run's own ratios. Load average ${loadStart} at the start, ${loadavg()[0]?.toFixed(2)} at the end.`,
      `Bitswap asks for ${WANTS} chunks at a time through one session rooted at the manifest (the sender is a connected peer, so no lookup is timed). TensorSwap uses its defaults (credit 16 chunks, at most 32 MiB in flight per stream).`,
      `CPU s is this process's CPU time per fetch (both ends of the transfer, hash workers included): it depends less on other jobs than MiB/s does; per CPU second TensorSwap (1 provider) moved ${(median(cpu.bitswap ?? []) / median(cpu.one ?? [])).toFixed(2)}x the bytes Bitswap did.`,
      'Both sides verify every chunk (sha2-256) and store it in a memory blockstore; the result is reassembled and hash-checked after each run (untimed).',
      `The connections negotiated ${encryption} (Bitswap and TensorSwap alike: the same connections). The three providers run in the same process and thread as the receiver, so they share its CPU (encryption, Yamux and copies dominate): a gain from 3 providers here is a lower bound of what separate machines give.`,
    ],
  )
  for (const p of [...providers, receiver]) {
    await p.swap.stop()
    await p.network.stop()
  }
}

await main()
