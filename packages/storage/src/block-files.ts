import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { base32upper } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'

const EXTENSION = '.data'
const RAW = 0x55

/**
 * Every block stored under `dir` (blockstore-fs's next-to-last sharding), as a CIDv1 with the raw codec: files are named
 * by multihash alone, so the codec is not known, and raw is what Kubo prints for such keys too. Temp files of writes
 * that never finished (`.<name>.tmp`) and names that are not multihashes are skipped.
 */
export async function* listBlockKeys(dir: string): AsyncGenerator<CID> {
  for (const shard of (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    let files: string[]
    try {
      files = await readdir(join(dir, shard))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw err
    }
    for (const file of files) {
      if (file.startsWith('.') || !file.endsWith(EXTENSION)) continue
      try {
        const multihash = base32upper.decode(file.slice(0, -EXTENSION.length)) // the name carries the multibase prefix (B)
        yield CID.createV1(RAW, Digest.decode(multihash))
      } catch {
        // not a block file
      }
    }
  }
}
