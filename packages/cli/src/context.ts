import { defaultRepoPath } from '@ipfrs/storage'
import { createNode, type Node } from 'ipfrs'

/** Options every command understands (Kubo's global flags, where Kubo has them). */
export interface GlobalOptions {
  json?: boolean
  enc?: string
  debug?: boolean
  repoDir?: string
}

export function repoPath(globals: GlobalOptions): string {
  return globals.repoDir ?? defaultRepoPath()
}

export function wantsJson(globals: GlobalOptions): boolean {
  return globals.json === true || globals.enc === 'json'
}

/** The passphrase of an encrypted repo, from `$IPFRS_PASSPHRASE`. */
export function passphrase(): string | undefined {
  return process.env.IPFRS_PASSPHRASE || undefined
}

/** Opens the repo as a node for one command, runs `fn`, and always closes it (releasing the repo lock). */
export async function withNode<T>(globals: GlobalOptions, fn: (node: Node) => Promise<T>): Promise<T> {
  const node = createNode({ repoPath: repoPath(globals), passphrase: passphrase() })
  await node.start()
  const stop = () => {
    void node.stop().finally(() => process.exit(130))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    return await fn(node)
  } finally {
    process.removeListener('SIGINT', stop)
    process.removeListener('SIGTERM', stop)
    await node.stop()
  }
}
