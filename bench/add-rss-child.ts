// One add of a generated stream in a fresh process, so its peak RSS is the add's own. Prints one JSON line.
import { FsBlockstore } from 'blockstore-fs'
import { createNode } from 'ipfrs'
import { importer } from 'ipfs-unixfs-importer'
import { kuboImporterOptions } from './add-options.ts'

const [mode, dir, sizeArg] = process.argv.slice(2)
const size = Number(sizeArg)

/** Bytes (i * 31 + 7) mod 251, copied out of one precomputed period so generating them costs next to nothing. */
async function* generated(): AsyncGenerator<Uint8Array> {
  const piece = 1024 * 1024
  const period = new Uint8Array(251 + piece)
  for (let j = 0; j < period.length; j++) period[j] = (j * 31 + 7) % 251
  for (let off = 0; off < size; off += piece) {
    const start = off % 251
    yield period.slice(start, start + Math.min(piece, size - off))
  }
}

const start = performance.now()
let cid = ''
if (mode === 'ours') {
  const node = createNode({ repoPath: dir!, init: true })
  await node.start()
  cid = (await node.addFile(generated())).cid.toString()
  await node.stop()
} else {
  const store = new FsBlockstore(dir!)
  await store.open()
  for await (const entry of importer([{ content: generated() }], store, kuboImporterOptions)) cid = entry.cid.toString()
}
const seconds = (performance.now() - start) / 1000
console.log(JSON.stringify({ mode, cid, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 }))
