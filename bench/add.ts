// Add throughput and memory, every number from the same run on the same 256 MiB file:
//   - the limit: reading the file and sha-256 hashing it (every byte of an add is hashed at least once);
//   - what storing costs here: copying the file into one new file (every byte of an add is also written);
//   - the baseline: stock ipfs-unixfs-importer with Kubo's settings into a stock blockstore-fs;
//   - ours: node.addFile() into an IPFRS repo (as `ipfrs add` does: GC lock, pin), with and without zstd.
// Then peak RSS of a child process adding 1 GiB (goal: under 200 MB), ours and the baseline.
import { spawnSync } from 'node:child_process'
import { createHash, randomFillSync } from 'node:crypto'
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { FsBlockstore } from 'blockstore-fs'
import { createNode } from 'ipfrs'
import { importer } from 'ipfs-unixfs-importer'
import { kuboImporterOptions } from './add-options.ts'
import { MiB, median, type Row, writeReport } from './lib/report.ts'
import { removeTempDir } from './lib/temp.ts'

const SIZE = Number(process.env.BENCH_ADD_MIB ?? 256) * MiB
const RSS_SIZE = Number(process.env.BENCH_RSS_MIB ?? 1024) * MiB
const RUNS = Number(process.env.BENCH_RUNS ?? 3)

async function writeRandomFile(path: string, size: number): Promise<void> {
  const out = createWriteStream(path)
  const chunk = Buffer.alloc(4 * MiB)
  for (let written = 0; written < size; written += chunk.length) {
    randomFillSync(chunk)
    if (!out.write(chunk.subarray(0, Math.min(chunk.length, size - written)))) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return (performance.now() - start) / 1000
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')

async function main(): Promise<void> {
  const loadBefore = load()
  const dir = await mkdtemp(join(tmpdir(), 'ipfrs-bench-add-'))
  try {
    const file = join(dir, 'input.bin')
    await writeRandomFile(file, SIZE)
    const results: Record<string, number[]> = { sha256: [], written: [], stock: [], ours: [], oursZstd: [] }
    const cids = new Set<string>()
    for (let run = 0; run < RUNS; run++) {
      results.sha256!.push(
        await timed(async () => {
          const h = createHash('sha256')
          for await (const chunk of createReadStream(file, { highWaterMark: MiB })) h.update(chunk)
          h.digest()
        }),
      )
      // each run writes a new file, kept as the repos are: the kernel fills fresh page-cache pages, as an add's do
      results.written!.push(
        await timed(() =>
          pipeline(createReadStream(file, { highWaterMark: MiB }), createWriteStream(join(dir, `copy-${run}.bin`))),
        ),
      )
      const stockDir = join(dir, `stock-${run}`)
      results.stock!.push(
        await timed(async () => {
          const store = new FsBlockstore(stockDir)
          await store.open()
          for await (const entry of importer(
            [{ content: createReadStream(file, { highWaterMark: MiB }) }],
            store,
            kuboImporterOptions,
          )) {
            cids.add(entry.cid.toString())
          }
        }),
      )
      for (const [key, algorithm] of [
        ['ours', 'none'],
        ['oursZstd', 'zstd'],
      ] as const) {
        const node = createNode({
          repoPath: join(dir, `${key}-${run}`),
          init: { config: { Compression: { Algorithm: algorithm } } },
        })
        await node.start()
        results[key]!.push(
          await timed(async () => {
            cids.add((await node.addFile(file)).cid.toString())
          }),
        )
        await node.stop()
      }
      // each run's repos stay until the end (3 x SIZE per run): on ext4 without a journal, creating files right after
      // deleting as many costs 2-3 times the CPU (see transfer.ts), so deleting them here slowed the next run's adds
    }
    if (cids.size !== 1) throw new Error(`the adds disagree on the CID: ${[...cids].join(', ')}`)
    const mibs = (k: string) => SIZE / MiB / median(results[k]!)
    const sha = mibs('sha256')
    const stock = mibs('stock')
    const rows: Row[] = [
      {
        what: 'read + sha-256 (the limit)',
        'MiB/s': sha.toFixed(0),
        'vs limit': '1.00',
        'vs stock': (sha / stock).toFixed(2),
      },
      {
        what: 'copy the file into a new one (what writing it once costs)',
        'MiB/s': mibs('written').toFixed(0),
        'vs limit': (mibs('written') / sha).toFixed(2),
        'vs stock': (mibs('written') / stock).toFixed(2),
      },
      {
        what: 'stock ipfs-unixfs-importer → blockstore-fs (baseline)',
        'MiB/s': stock.toFixed(0),
        'vs limit': (stock / sha).toFixed(2),
        'vs stock': '1.00',
      },
      {
        what: 'ipfrs addFile (no compression)',
        'MiB/s': mibs('ours').toFixed(0),
        'vs limit': (mibs('ours') / sha).toFixed(2),
        'vs stock': (mibs('ours') / stock).toFixed(2),
      },
      {
        what: 'ipfrs addFile (zstd level 3)',
        'MiB/s': mibs('oursZstd').toFixed(0),
        'vs limit': (mibs('oursZstd') / sha).toFixed(2),
        'vs stock': (mibs('oursZstd') / stock).toFixed(2),
      },
    ]
    const rss = (mode: string) => {
      const child = spawnSync(
        process.execPath,
        [new URL('./add-rss-child.ts', import.meta.url).pathname, mode, join(dir, `rss-${mode}`), String(RSS_SIZE)],
        {
          encoding: 'utf8',
        },
      )
      if (child.status !== 0) throw new Error(`rss child ${mode} failed: ${child.stderr}`)
      return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { maxRssMiB: number; seconds: number; cid: string }
    }
    const ours = rss('ours')
    const base = rss('stock')
    if (ours.cid !== base.cid) throw new Error(`1 GiB adds disagree: ${ours.cid} vs ${base.cid}`)
    rows.push(
      {
        what: `peak RSS adding ${RSS_SIZE / MiB} MiB: ipfrs`,
        'MiB/s': (RSS_SIZE / MiB / ours.seconds).toFixed(0),
        'peak RSS MiB': ours.maxRssMiB.toFixed(0),
      },
      {
        what: `peak RSS adding ${RSS_SIZE / MiB} MiB: stock importer`,
        'MiB/s': (RSS_SIZE / MiB / base.seconds).toFixed(0),
        'peak RSS MiB': base.maxRssMiB.toFixed(0),
      },
    )
    writeReport('add', `Add throughput (${SIZE / MiB} MiB random file, median of ${RUNS}) and peak RSS`, rows, [
      'Kubo settings everywhere: CIDv0, 256 KiB chunks, dag-pb leaves, balanced layout of 174 links; every run gave the same root CID.',
      'The limit reads the file and hashes it once; an add also writes every block to its own file (a temp file renamed into place: 1024 file creations per 256 MiB). The copy row reads the file and writes it into one new file (no hashing, one file creation): on this VM the kernel fills fresh page-cache pages slowly (perf: most of a write’s CPU in `copy_folio_from_iter_atomic`), so writing the bytes once costs more than reading and hashing them; an add writes its blocks on libuv’s thread pool while the main thread hashes, so it can still beat the copy.',
      'Every run keeps its repos until the bench ends: on ext4 without a journal, as this machine’s disk is, creating a file skips every inode freed in the last ~30 s, so deleting one run’s repos would make the next run’s adds (ours and stock) pay for it. File creation on this machine is slow even so (perf: ~70% of creating a file’s CPU in ext4’s inode allocator, `recently_deleted` and the inode-table lookups it makes); the limit row creates no files.',
      `Load average (1, 5, 15 min) before: ${loadBefore}; after: ${load()}. The machine is shared: under load the limit and the adds swing run to run, so compare ratios, not MiB/s.`,
      `Reproduce: ./run bench add (or node bench/add.ts); BENCH_ADD_MIB, BENCH_RSS_MIB, BENCH_RUNS change the sizes.`,
    ])
  } finally {
    await removeTempDir(dir)
  }
}

await main()
