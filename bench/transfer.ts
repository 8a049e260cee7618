// A file moved between two nodes on 127.0.0.1, over TCP and over QUIC: throughput and time to first block.
//   - ours: two full IPFRS nodes (createNode, online, real temp repos). The sender's add is not timed; the receiver's
//     `node.cat(root)` is, from the call to the last byte; its bytes are hashed and checked. By default the leaves come
//     over TensorSwap (both nodes speak it), the rest over Bitswap; a second kind turns that off (Bitswap only).
//   - baseline, same run: stock Helia → stock Helia (createHeliaLight + withLibp2pLight + withBitswap, only the given
//     transport, no HTTP gateway broker), content imported with the stock importer into the sender's helia.blockstore,
//     read on the receiver with ipfs-unixfs-exporter over a Bitswap session. Memory blockstores (the stock setup),
//     and also blockstore-fs on both sides, to separate the cost of a disk blockstore from the rest.
import { mkdtemp } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CID } from '@ipfrs/core'
import { createNode, type Node } from 'ipfrs'
import { cpuMsPerMiB, pseudoRandomBytes, sha256Of, type TimedRead, timedRead, waitUntil } from './lib/content.ts'
import { DAEMON_GC_FLAGS, withDaemonGcSetting } from './lib/gc-setting.ts'
import { MiB, median, type Row, writeReport } from './lib/report.ts'
import { stockPair } from './lib/stock-helia.ts'
import { removeTempDir } from './lib/temp.ts'
import { udpReceiveBufferDrops } from './lib/udp-drops.ts'

type Transport = 'tcp' | 'quic'

const SIZE = Number(process.env.BENCH_TRANSFER_MIB ?? 256) * MiB
const RUNS = Number(process.env.BENCH_TRANSFER_RUNS ?? 3)
const TRANSPORTS = (process.env.BENCH_TRANSFER_TRANSPORTS ?? 'tcp,quic').split(',') as Transport[]
const SEED = 'transfer'

/** Our transfers whose receiver had the sender's GossipSub announcement of the root before `cat`. */
let seededFromAnnouncement = 0
/** UDP datagrams dropped for a full socket buffer during the timed QUIC runs, by kind of run (system-wide counter). */
const quicDrops: Record<string, number> = {}
/** Leaves our senders served over TensorSwap, by kind of receiver (summed over the timed runs). */
const leavesOverTensorSwap = { ours: 0, bitswap: 0 }

const listenOn = (t: Transport) => (t === 'tcp' ? '/ip4/127.0.0.1/tcp/0' : '/ip4/127.0.0.1/udp/0/quic-v1')

/** An online IPFRS node on 127.0.0.1 over one transport, with a fresh repo, bootstrapping from `bootstrap` only. */
async function oursNode(
  repoPath: string,
  transport: Transport,
  bootstrap: string[],
  bitswapOnly = false,
): Promise<Node> {
  const node = createNode({
    repoPath,
    online: true,
    init: {
      config: {
        Addresses: {
          Swarm: [listenOn(transport)],
          Announce: [],
          API: '/ip4/127.0.0.1/tcp/0',
          Gateway: '/ip4/127.0.0.1/tcp/0',
        },
        Swarm: {
          ConnMgr: { LowWater: 10, HighWater: 50 },
          Transports: { Network: { TCP: transport === 'tcp', QUIC: transport === 'quic' } },
        },
        Bootstrap: bootstrap,
        ...(bitswapOnly ? { Routing: { TensorSwapFiles: false } } : {}),
      },
    },
  })
  await node.start()
  return node
}

/** One transfer between two fresh IPFRS nodes: the sender adds (untimed), the receiver cats (timed). */
async function oursRun(
  dir: string,
  transport: Transport,
  run: number | 'warm-up',
  size = SIZE,
  bitswapOnly = false,
): Promise<{ root: CID; read: TimedRead }> {
  const base = await mkdtemp(join(dir, `ours-${bitswapOnly ? 'bitswap-' : ''}${transport}-${run}-`))
  const nodes: Node[] = []
  try {
    const sender = await oursNode(join(base, 'sender'), transport, [])
    nodes.push(sender)
    const receiver = await oursNode(join(base, 'receiver'), transport, sender.network.addresses(), bitswapOnly)
    nodes.push(receiver)
    await waitUntil(
      () => receiver.network.peers().some((p) => p.peer === sender.peerId),
      'the receiver has connected to the sender (bootstrap)',
    )
    const announced = new Set<string>()
    receiver.network.onAnnouncement(({ cid, from }) => {
      if (from === sender.peerId) announced.add(cid.toString())
    })
    // the add provides the root on the DHT and announces it on GossipSub, as `ipfrs add` does
    const { cid } = await sender.addFile(pseudoRandomBytes(size, SEED))
    // whether the receiver's session will be seeded from the announcement (else it looks the root up in the DHT)
    if (announced.has(cid.toString()) && run !== 'warm-up') seededFromAnnouncement++
    const read = await timedRead(() => receiver.cat(cid))
    if (run !== 'warm-up')
      leavesOverTensorSwap[bitswapOnly ? 'bitswap' : 'ours'] += sender.tensor.serverStats?.chunksSent ?? 0
    return { root: cid, read }
  } finally {
    // the repos stay until the bench ends (see main)
    await Promise.allSettled(nodes.map((n) => n.stop()))
  }
}

/** One transfer between two fresh stock Helia nodes, blocks in memory or (with `fs`) in blockstore-fs. */
async function stockRun(dir: string, transport: Transport, run: number | 'warm-up', fs: boolean, size = SIZE) {
  const base = await mkdtemp(join(dir, `stock-${fs ? 'fs' : 'mem'}-${transport}-${run}-`))
  const pair = await stockPair(
    transport,
    pseudoRandomBytes(size, SEED),
    fs ? { sender: join(base, 'sender'), receiver: join(base, 'receiver') } : undefined,
  )
  try {
    return { root: pair.root, read: await timedRead(() => pair.read()) }
  } finally {
    await pair.stop()
  }
}

async function main(): Promise<void> {
  const expected = await sha256Of(pseudoRandomBytes(SIZE, SEED))
  const loadAtStart = loadavg()[0]!
  // every run's repos stay here until the end (a few GiB): on ext4 without a journal, as this machine's disk is,
  // creating files costs 2–3 times the CPU while the inodes of files deleted in the last 30 s are skipped, so deleting
  // one run's repos made the next run's receiver pay for it
  const dir = await mkdtemp(join(tmpdir(), 'ipfrs-bench-transfer-'))
  const rows: Row[] = []
  const notes: string[] = []
  const roots = new Set<string>()
  try {
    for (const transport of TRANSPORTS) {
      // a small untimed transfer of each kind first, so no timed run pays for loading and compiling code
      await oursRun(dir, transport, 'warm-up', 4 * MiB)
      await oursRun(dir, transport, 'warm-up', 4 * MiB, true)
      await stockRun(dir, transport, 'warm-up', false, 4 * MiB)
      await stockRun(dir, transport, 'warm-up', true, 4 * MiB)
      const results: Record<'ours' | 'oursBitswap' | 'oursTuned' | 'stockMem' | 'stockFs', TimedRead[]> = {
        ours: [],
        oursBitswap: [],
        oursTuned: [],
        stockMem: [],
        stockFs: [],
      }
      for (let run = 0; run < RUNS; run++) {
        // alternate the order so neither side always runs on a warmer process
        const order =
          run % 2 === 0
            ? ['stockMem', 'ours', 'stockFs', 'oursBitswap', 'oursTuned']
            : ['oursTuned', 'oursBitswap', 'ours', 'stockFs', 'stockMem']
        for (const what of order) {
          const transfer = () =>
            what.startsWith('ours')
              ? oursRun(dir, transport, run, SIZE, what === 'oursBitswap')
              : stockRun(dir, transport, run, what === 'stockFs')
          // the reference row: ours with the V8 setting the daemon runs with
          const dropsBefore = transport === 'quic' ? udpReceiveBufferDrops() : undefined
          const { root, read } = await (what === 'oursTuned' ? withDaemonGcSetting(transfer) : transfer())
          const dropsAfter = transport === 'quic' ? udpReceiveBufferDrops() : undefined
          if (dropsBefore !== undefined && dropsAfter !== undefined) {
            quicDrops[what] = (quicDrops[what] ?? 0) + dropsAfter - dropsBefore
          }
          roots.add(root.toString())
          console.error(`${transport} ${what} run ${run}: ${(SIZE / MiB / read.seconds).toFixed(1)} MiB/s`)
          results[what as keyof typeof results].push(read)
        }
      }
      for (const r of Object.values(results).flat()) {
        if (r.bytes !== SIZE || r.sha256 !== expected) {
          throw new Error(`a ${transport} transfer returned other bytes: ${r.bytes} bytes, sha-256 ${r.sha256}`)
        }
      }
      const mibs = (rs: TimedRead[]) => SIZE / MiB / median(rs.map((r) => r.seconds))
      const ttfb = (rs: TimedRead[]) => median(rs.map((r) => r.firstChunkMs))
      const row = (what: string, rs: TimedRead[]): Row => ({
        what,
        transport,
        'MiB/s': mibs(rs).toFixed(1),
        'first block ms': ttfb(rs).toFixed(0),
        'MiB/s vs stock': (mibs(rs) / mibs(results.stockMem)).toFixed(2),
        'first block vs stock': (ttfb(rs) / ttfb(results.stockMem)).toFixed(2),
        'MiB/s vs stock on blockstore-fs': (mibs(rs) / mibs(results.stockFs)).toFixed(2),
        'CPU ms per MiB': cpuMsPerMiB(rs, SIZE).toFixed(1),
        'CPU vs stock': (cpuMsPerMiB(rs, SIZE) / cpuMsPerMiB(results.stockMem, SIZE)).toFixed(2),
      })
      rows.push(
        row('stock Helia → stock Helia, memory blockstores (baseline)', results.stockMem),
        row('stock Helia → stock Helia, blockstore-fs both sides', results.stockFs),
        row('ipfrs → ipfrs, repo blockstores (ours)', results.ours),
        row('ipfrs → ipfrs, Bitswap only (Routing.TensorSwapFiles false)', results.oursBitswap),
        row(`ipfrs → ipfrs with \`ipfrs daemon\`'s V8 setting (${DAEMON_GC_FLAGS}; reference)`, results.oursTuned),
      )
    }
    if (roots.size > 1) throw new Error(`the imports disagree on the root: ${[...roots].join(', ')}`)
    notes.push(
      `${SIZE / MiB} MiB of pseudo-random bytes (incompressible), Kubo's import settings on both sides (CIDv0, 256 KiB dag-pb leaves, 174 links); every transfer's bytes were sha-256 checked and every import gave the same root CID. Median of ${RUNS} run(s) per row, each on a fresh pair of nodes, all in one process (after an untimed 4 MiB warm-up of each kind), the order of the kinds alternating between runs. Every run's repos stay on disk until the bench ends: on ext4 without a journal, as this machine's disk is, creating files costs 2–3 times the CPU while inodes freed in the last 30 s are skipped, and deleting each run's repos made the next receiver (ours, and stock on blockstore-fs) pay for that.`,
      'MiB/s: file size / time from the `cat` call (ours) or the session + exporter call (stock) to the last byte. First block: from that call to the first chunk of file bytes (root, one interior node, first leaf, plus any provider lookup). CPU ms per MiB: CPU time of this process (user + system, every thread: libuv’s pool, hash workers) over the read, per MiB; both nodes are in it, so it is the whole transfer’s cost, and unlike MiB/s it does not depend on how much of the 2 cores other work left free (a single-threaded baseline gains most from idle cores).',
      `Ours (the default): the receiver's \`cat\` fetches the leaves over TensorSwap from the sender, which speaks it (packages/ipfrs/src/leaf-prefetch.ts), and the root, the interior nodes and the first leaf over Bitswap; its senders (in the default and the reference rows) served ${leavesOverTensorSwap.ours} leaves over TensorSwap in the timed runs, for ${(2 * RUNS * TRANSPORTS.length * SIZE) / (256 * 1024)} leaves read (a leaf one stream stole from another while in flight is sent twice; the first leaf of each file comes over Bitswap). The Bitswap-only row turns that off (\`Routing.TensorSwapFiles\` false): ${leavesOverTensorSwap.bitswap} leaves over TensorSwap. Stock Helia speaks Bitswap only.`,
      "Ours is not like for like with the baseline: our receiver writes every fetched block into its repo on disk (blockstore-fs under the repo's block stack) and its sender reads them from disk, while the stock baseline keeps blocks in memory. The blockstore-fs stock row isolates that cost; compare ours with it for what our layers (session wrapper, peer scoring, GossipSub, DHT, AutoNAT) cost.",
      `The reference row runs ours as the default row does, in this process switched to the V8 setting \`ipfrs daemon\` applies to itself (${DAEMON_GC_FLAGS}: ArrayBuffer memory counted in the heap's growth limit, not a full collection per ~64 MiB of it, and the heap let to double before the next full collection; see packages/core/src/gc-tuning.ts) for those runs only. A library user's process runs with Node's defaults unless it opts in, so the default row is the one compared with the baseline; bench/results/daemon.md shows the stock pair with the same setting.`,
      `Ours finds the sender through its own path (the GossipSub announcement of the root, else a DHT lookup): ${seededFromAnnouncement} of ${RUNS * TRANSPORTS.length} of our receivers had the announcement before \`cat\`. The stock session is handed the sender as its provider, so its first block never includes a lookup; ours includes one only for receivers without the announcement.`,
      "First block is mostly Helia's Bitswap sender. Stock @helia/bitswap 4.0.16 (the baseline) reads every wanted block from its blockstore before sending the first message and opens a new stream per message; ours (the patch in patches/, see packages/network/README.md) sends each full 4 MiB message while reading the rest, over one stream per peer (up to 4 while a peer has not taken what was sent). The stock exporter wants all of an interior node's children at once (up to 174 leaves, 43.5 MiB); ours reads 32 leaves ahead (`BLOCK_READ_AHEAD` in packages/ipfrs/src/unixfs-read.ts) and its session asks one block at first and one more per block received (`FIRST_WANTS` in packages/network/src/session-reader.ts), so its first leaf is asked nearly alone. Helia waits `sendWantlistDebounce` before sending wants at each DAG level: 10 ms stock, 1 ms ours. A disk blockstore (ours, the blockstore-fs row) pays ~1 ms per 256 KiB block read there.",
      "Over QUIC, the stock rows are not quite stock: our nodes let a QUIC stream read up to 256 KiB per call into @chainsafe/libp2p-quic's Rust side instead of its 4 KiB (packages/network/src/quic-reads.ts), by wrapping the binding's read, which applies to every QUIC node in the process once our first one starts (here, the warm-up). Stock Helia alone over QUIC read 32.5 MiB/s of 64 MiB in an earlier run of this bench (55.9 with the wider reads).",
      ...(Object.keys(quicDrops).length > 0
        ? [
            `UDP datagrams the kernel dropped because a receiving socket's buffer was full (RcvbufErrors in /proc/net/snmp, every socket on the machine) during the timed QUIC runs, summed over the ${RUNS} runs of each kind: ${Object.entries(
              quicDrops,
            )
              .map(([what, n]) => `${what} ${n}`)
              .join(
                ', ',
              )}. Ours asks for 7.5 MB UDP socket buffers, as quic-go (Kubo) does, capped by the kernel (net.core.rmem_max); stock @chainsafe/libp2p-quic asks for 500 KB (packages/network/src/libp2p-options.ts, QUIC_SOCKET_BUFFER_BYTES).`,
          ]
        : []),
      `Reproduce: node bench/transfer.ts (or node bench/run.ts transfer); BENCH_TRANSFER_MIB, BENCH_TRANSFER_RUNS, BENCH_TRANSFER_TRANSPORTS=tcp,quic change the size, runs and transports.`,
    )
    notes.push(
      `Machine load (1-minute average) ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end: other processes on this 2-core machine run at the same time as the bench.`,
    )
    writeReport('transfer', `File transfer over loopback, ${SIZE / MiB} MiB: IPFRS vs stock Helia`, rows, notes)
  } finally {
    await removeTempDir(dir)
  }
}

await main()
