import { join } from 'node:path'
import type { CID } from '@ipfrs/core'
import { tempDir } from '@ipfrs/test-utils'
import { FsBlockstore } from 'blockstore-fs'
import { NextToLast } from 'blockstore-fs/sharding'
import { Repo } from '../src/index.js'

/** A stock blockstore-fs in a temp dir, and the path of the file that holds a given block. */
export async function tempFiles(): Promise<{
  files: FsBlockstore
  fileOf: (cid: CID) => string
  cleanup: () => Promise<void>
}> {
  const { dir, cleanup } = await tempDir()
  const files = new FsBlockstore(join(dir, 'blocks'))
  await files.open()
  const sharding = new NextToLast()
  const fileOf = (cid: CID) => {
    const { dir: shard, file } = sharding.encode(cid)
    return join(dir, 'blocks', shard, file)
  }
  return { files, fileOf, cleanup }
}

/** A fresh repo, initialised and opened in a temp dir; `close` closes it and removes the dir. */
export async function tempRepo(): Promise<{ repo: Repo; close: () => Promise<void> }> {
  const { dir, cleanup } = await tempDir()
  await Repo.init(dir)
  const repo = await Repo.open(dir)
  return {
    repo,
    close: async () => {
      await repo.close()
      await cleanup()
    },
  }
}
