import { rm } from 'node:fs/promises'

/**
 * Removes a bench's temp dir, unless `BENCH_KEEP_TMP=1`: bench/dataplane.ts sets it and removes every step's dir once
 * the last step has run. On ext4 without a journal, as this machine's disk is, creating a file skips every inode
 * freed in the last ~30 s (longer after a large delete), so one step's cleanup would slow the next step's timed writes.
 */
export async function removeTempDir(dir: string): Promise<void> {
  if (process.env.BENCH_KEEP_TMP === '1') return
  await rm(dir, { recursive: true, force: true })
}
