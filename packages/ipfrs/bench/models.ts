// Models as content (issue 14): a safetensors file stored once as its UnixFS DAG, its file CID the handle. Measures,
// each against a baseline taken in the same run:
//   - repo growth / file size after `addPath` of a 100 MiB model; baseline: the old way (the file's DAG plus
//     `importSafetensors`'s separate 1 MiB tensor chunks);
//   - wire bytes of a one-tensor fetch (`tensor.getBytes(fileCid, { name })`) between two online nodes on 127.0.0.1,
//     counted by a TCP relay in front of the provider; baseline: the whole file's bytes (what a cat moves);
//   - whole-model fetch time: `tensor.fetch(fileCid)` (the file's leaves over TensorSwap) vs `cat` (Bitswap) on a
//     third node, same provider, same file;
//   - `tensor.load(fileCid, name)` of a 256 MiB tensor already in the repo vs the limit (fs read of the same byte range
//     of the original file into a Buffer), vs that read plus one sha2-256 pass over the bytes, and vs the old chunked
//     manifest (`getTensor` of the imported tensor); and
//     the same load with `verify: false` (leaves read from their block files not re-hashed) vs the limit.
// Run after `pnpm -s turbo run build`:  node bench/run.ts models   (BENCH_QUICK=1 for 16/32 MiB)
import { createHash, randomFillSync } from 'node:crypto'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { createServer, Socket } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CID } from '@ipfrs/core'
import { localNode } from '../../../bench/lib/local-node.ts'
import { MiB, median, type Row, writeReport } from '../../../bench/lib/report.ts'
import type { Node } from '../dist/index.js'

const QUICK = process.env.BENCH_QUICK === '1'
const MODEL_MIB = QUICK ? 16 : 100
const LOAD_MIB = QUICK ? 32 : 256
const REPEATS = 3

/** Writes a safetensors file of F32 tensors of the given sizes (random bytes), as the format documents it. */
async function writeModel(
  path: string,
  sizes: Record<string, number>,
): Promise<{ size: number; offsets: Record<string, number> }> {
  const header: Record<string, unknown> = {}
  let at = 0
  for (const [name, bytes] of Object.entries(sizes)) {
    header[name] = { dtype: 'F32', shape: [bytes / 4], data_offsets: [at, at + bytes] }
    at += bytes
  }
  const text = JSON.stringify(header)
  const h = Buffer.from(text.padEnd(Math.ceil(text.length / 8) * 8, ' '))
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(h.byteLength))
  const file = await open(path, 'w')
  await file.write(len)
  await file.write(h)
  const offsets: Record<string, number> = {}
  let off = 8 + h.byteLength
  for (const [name, bytes] of Object.entries(sizes)) {
    offsets[name] = off
    for (let done = 0; done < bytes; done += 8 * MiB)
      await file.write(randomFillSync(Buffer.alloc(Math.min(8 * MiB, bytes - done))))
    off += bytes
  }
  await file.close()
  return { size: off, offsets }
}

async function addModel(node: Node, path: string) {
  let last: CID | undefined
  for await (const r of node.addPath(path)) last = r.cid
  if (last === undefined) throw new Error(`nothing added from ${path}`)
  return last
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now()
  await fn()
  return performance.now() - t
}

/** A TCP relay in front of `port` counting the bytes it carries back to the dialler. */
async function relay(port: number) {
  let received = 0
  const server = createServer((inbound) => {
    const out = new Socket().connect(port, '127.0.0.1')
    out.on('data', (d: Buffer) => {
      received += d.byteLength
      inbound.write(d)
    })
    inbound.on('data', (d: Buffer) => out.write(d))
    for (const [a, b] of [
      [inbound, out],
      [out, inbound],
    ] as const) {
      a.on('close', () => b.destroy())
      a.on('error', () => b.destroy())
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { server, port: (server.address() as { port: number }).port, received: () => received }
}

const dir = await mkdtemp(join(tmpdir(), 'ipfrs-bench-models-'))
const rows: Row[] = []
try {
  // 1. repo size
  const quarter = (MODEL_MIB * MiB) / 4
  const modelPath = join(dir, 'model.safetensors')
  const model = await writeModel(modelPath, { embed: quarter, 'layer.0': quarter, 'layer.1': quarter, head: quarter })
  const one = localNode(join(dir, 'one'))
  await one.start()
  const before = (await one.repoStat()).RepoSize
  const cid = await addModel(one, modelPath)
  const grown = (await one.repoStat()).RepoSize - before
  await one.stop()
  const old = localNode(join(dir, 'old'))
  await old.start()
  const oldBefore = (await old.repoStat()).RepoSize
  await addModel(old, modelPath)
  await old.tensor.importSafetensors(modelPath)
  const oldGrown = (await old.repoStat()).RepoSize - oldBefore
  await old.stop()
  rows.push({
    measure: `repo growth / file size, ${MODEL_MIB} MiB safetensors`,
    ours: (grown / model.size).toFixed(4),
    baseline: `${(oldGrown / model.size).toFixed(4)} (DAG + 1 MiB tensor chunks)`,
    ratio: (grown / oldGrown).toFixed(3),
  })

  // 2. one-tensor fetch bytes, and whole-model fetch time: TensorSwap (leaves) vs Bitswap (cat)
  const a = localNode(join(dir, 'a'), true)
  const b = localNode(join(dir, 'b'), true)
  const c = localNode(join(dir, 'c'), true)
  await Promise.all([a.start(), b.start(), c.start()])
  try {
    await addModel(a, modelPath)
    const tcp = a.network.addresses()[0] as string
    const r = await relay(Number(tcp.split('/')[4]))
    await b.network.connect(`/ip4/127.0.0.1/tcp/${r.port}/p2p/${a.peerId}`)
    await new Promise((res) => setTimeout(res, 500)) // identify
    const start = r.received()
    await b.tensor.getBytes(cid, { name: 'layer.1' })
    const moved = r.received() - start
    rows.push({
      measure: `wire bytes of a one-tensor fetch (${quarter} B tensor of a ${model.size} B file)`,
      ours: moved,
      baseline: `${model.size} (the whole file)`,
      ratio: (moved / model.size).toFixed(3),
    })
    const swapMs = await timed(() => b.tensor.fetch(cid))
    await c.network.connect(tcp)
    const bitswapMs = await timed(async () => {
      for await (const _ of c.cat(cid)) void _
    })
    rows.push({
      measure: `whole-model fetch, ${MODEL_MIB} MiB (b had 1/4 already: its time is scaled to the whole file)`,
      ours: `${(swapMs / 0.75 / 1000).toFixed(2)} s TensorSwap`,
      baseline: `${(bitswapMs / 1000).toFixed(2)} s Bitswap cat`,
      ratio: `${(bitswapMs / (swapMs / 0.75)).toFixed(2)}x faster`,
    })
    r.server.close()
  } finally {
    await Promise.allSettled([a.stop(), b.stop(), c.stop()])
  }

  // 3. load of a big tensor already in the repo
  const bigPath = join(dir, 'big.safetensors')
  const big = await writeModel(bigPath, { small: 4096, big: LOAD_MIB * MiB })
  const node = localNode(join(dir, 'load'))
  await node.start()
  try {
    const bigCid = await addModel(node, bigPath)
    const imported = await node.tensor.importSafetensors(bigPath)
    const oldTensor = imported.manifest.tensors.big!
    /** The limit: one fs read of the tensor's byte range of the original file (then, `hash`: one sha2-256 pass). */
    const readRange = async (hash: boolean) => {
      const f = await open(bigPath, 'r')
      const buf = Buffer.allocUnsafe(LOAD_MIB * MiB)
      await f.read(buf, 0, buf.byteLength, big.offsets.big)
      await f.close()
      if (hash) createHash('sha256').update(buf).digest()
    }
    const limit: number[] = []
    const limitHashed: number[] = []
    const ours: number[] = []
    const chunked: number[] = []
    const unverified: number[] = []
    for (let i = 0; i < REPEATS; i++) {
      limit.push(await timed(() => readRange(false)))
      limitHashed.push(await timed(() => readRange(true)))
      ours.push(await timed(() => node.tensor.load(bigCid, 'big')))
      unverified.push(await timed(() => node.tensor.load(bigCid, 'big', { verify: false })))
      chunked.push(await timed(() => node.tensor.getTensor(oldTensor)))
    }
    const l = median(limit)
    rows.push({
      measure: `load a ${LOAD_MIB} MiB tensor already in the repo (ms, median of ${REPEATS})`,
      ours: median(ours).toFixed(0),
      baseline: `${l.toFixed(0)} fs read (limit); ${median(chunked).toFixed(0)} old chunked manifest`,
      ratio: `${(median(ours) / l).toFixed(2)}x the limit; ${(median(ours) / median(chunked)).toFixed(2)}x the old`,
    })
    const lh = median(limitHashed)
    rows.push({
      measure: `the same load vs fs read + one sha2-256 pass over the read bytes (one thread: a verifying reader's floor)`,
      ours: median(ours).toFixed(0),
      baseline: `${lh.toFixed(0)} fs read + sha2-256`,
      ratio: `${(median(ours) / lh).toFixed(2)}x`,
    })
    rows.push({
      measure: `load of the same tensor with verify: false (leaves not re-hashed, as Kubo's HashOnRead off)`,
      ours: median(unverified).toFixed(0),
      baseline: `${l.toFixed(0)} fs read (limit)`,
      ratio: `${(median(unverified) / l).toFixed(2)}x the limit`,
    })
  } finally {
    await node.stop()
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}

writeReport('models', 'Models as content: one copy, partial fetch, load', rows, [
  'Same run, same machine, same files for ours and the baseline. Files are random bytes written as safetensors F32 tensors.',
  'Wire bytes are what a TCP relay in front of the provider carried to the fetcher: Noise, Yamux, identify and Bitswap/TensorSwap framing included.',
  'The load limit is one fs read of the tensor byte range of the original file into Buffer.allocUnsafe; ours reads each whole leaf of the range from its block file on the thread pool (8 in flight) into a reused scratch buffer, checks its sha2-256 there on the calling thread (node:crypto) and copies its data into one fresh buffer; with verify: false one readv lands the data in place (the dag-pb framing goes to scratch); the two partial leaves at the ends go through the blockstore. Both the original file and the block files are in the page cache (written just before).',
  'The limit never looks at the bytes it read; any reader that does (a hash, a sum) pays the first touch of each fresh page, which on this VM costs about half as much again as the read itself (5-8 µs a page, counted as user time, with no page fault). The second row takes that into account: fs read + one sha2-256 pass over the buffer. This is also why ours reads into warm scratch and copies rather than hashing the data where the kernel put it: about a third less CPU here.',
  `2 cores shared with other jobs: load average at the end ${loadavg()[0]?.toFixed(2)}.`,
])
