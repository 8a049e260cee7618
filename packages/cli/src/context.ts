// Every command module imports this file, so it stays light: the node (libp2p, Helia, the feature layers) or the
// daemon's client is loaded by withNode, for the command that runs, not for building the command tree.
import { OfflineError } from '@ipfrs/core/errors'
import { defaultRepoPath } from '@ipfrs/storage/repo-path'
import type { CliNode } from './cli-node.js'
import type { RemoteNode } from './remote-node.js'

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

/** How `withNode` starts the node. */
export interface NodeOptions {
  /**
   * Join the network for the command's duration: listen on `Addresses.Swarm`, bootstrap from `Bootstrap`, run the DHT
   * as `Routing.*` says. The node leaves the network when the command ends. (With a daemon running, the command
   * uses the daemon's node, which is already online.)
   */
  online?: boolean
  /**
   * Open the repo's semantic index (when its config enables it). Only the commands that index or search ask for it;
   * the others leave hnswlib and the index unloaded. (A daemon's node has it open already.)
   */
  semantic?: boolean
}

/**
 * Runs `fn` with a node: the running daemon's (through its RPC API, as Kubo's CLI does) when one answers on the
 * repo's `api` address, else the repo opened for this one command (and always closed after, releasing its lock).
 */
export async function withNode<T>(
  globals: GlobalOptions,
  fn: (node: CliNode) => Promise<T>,
  options: NodeOptions = {},
): Promise<T> {
  const { ApiClient } = await import('./api-client.js')
  const api = await ApiClient.forRepo(repoPath(globals))
  if (api != null) {
    const { RemoteNode } = await import('./remote-node.js')
    const remote = await RemoteNode.connect(api, repoPath(globals))
    remoteNodes.add(remote)
    return fn(remote)
  }
  const { createNode } = await import('ipfrs/node')
  const node = createNode({
    repoPath: repoPath(globals),
    passphrase: passphrase(),
    online: options.online === true,
    semantic: options.semantic === true,
  })
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

/** The nodes withNode made for a running daemon. */
const remoteNodes = new WeakSet<CliNode>()

/** Whether `node` is a running daemon's (through its RPC API) rather than the repo opened by this command. */
export function isRemote(node: CliNode): node is RemoteNode {
  return remoteNodes.has(node)
}

/**
 * Dials every peer of the repo's Bootstrap list at once (rather than after libp2p's bootstrap timer) and resolves
 * when each dial has succeeded or failed, or when `signal` aborts. Returns the peer IDs connected then.
 */
export async function joinNetwork(node: CliNode, options: { signal?: AbortSignal } = {}): Promise<string[]> {
  const { signal } = options
  // a daemon is already in the network: just learn whom it is connected to
  if (isRemote(node)) return [...new Set((await node.refreshPeers(options)).map((p) => p.peer))]
  const dials = Promise.allSettled(node.config.Bootstrap.map((addr) => node.network.connect(addr, { signal })))
  if (signal != null) {
    const aborted = new Promise<void>((resolve) => {
      if (signal.aborted) resolve()
      signal.addEventListener('abort', () => resolve(), { once: true })
    })
    await Promise.race([dials, aborted])
  } else {
    await dials
  }
  return [...new Set(node.network.peers().map((p) => p.peer))]
}

/** Throws `ERR_OFFLINE` unless the (online) node has at least one peer connected. */
export function requirePeers(node: CliNode, what: string): void {
  if (node.network.peers().length > 0) return
  const why =
    node.config.Bootstrap.length === 0
      ? 'the Bootstrap list is empty (see "ipfrs bootstrap add")'
      : 'no peer of the Bootstrap list answered (see "ipfrs bootstrap list")'
  throw new OfflineError(what, { verb: '', reason: why })
}

/** Parses a `--timeout` style value: a positive number of seconds. */
export function parseSeconds(value: string, flag = '--timeout'): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number of seconds, got ${value}`)
  return n
}
