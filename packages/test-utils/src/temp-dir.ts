import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A temp dir and the cleanup that removes it. */
export interface TempDir {
  readonly dir: string
  cleanup(): Promise<void>
}

/** A new dir under the OS temp dir, named `<prefix>XXXXXX`, removed (with all it holds) by `cleanup`. */
export async function tempDir(prefix = 'ipfrs-test-'): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}
