import type { PeerAddress } from '@ipfrs/network'
import type { Command } from 'commander'
import type { CliNode } from '../cli-node.js'
import { type GlobalOptions, isRemote, parseSeconds, repoPath, wantsJson, withNode } from '../context.js'
import { printJson, println } from '../output.js'

/**
 * The public IPFS bootstrap peers, as Kubo ships them: `ipfrs init` writes them (unless `--profile test`), and
 * `ipfrs bootstrap add default` restores them. Library nodes (`createNode`) start with an empty list.
 */
export const DEFAULT_BOOTSTRAP: readonly string[] = [
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmbLHAnMoJPWSCR5Zhtx6BHJX9KiKNN6tpvbUcqanj75Nb',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmcZf59bWwK5XFi76CZX8cbJ4BhTzzA3gU1ZjYZcYW3dwt',
  '/dnsaddr/va1.bootstrap.libp2p.io/p2p/12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc8',
  '/ip4/104.131.131.82/tcp/4001/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ',
  '/ip4/104.131.131.82/udp/4001/quic-v1/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ',
]

const WARNING = `Only edit this list if you understand the risks: bootstrap peers are the trusted peers from which the node
learns about the rest of the network.`

export function registerBootstrap(program: Command): void {
  const bootstrap = program
    .command('bootstrap')
    .description(
      "Join the network now: the running daemon dials every peer of the bootstrap list (the config's Bootstrap) and " +
        'this prints those it reached and those it could not. The subcommands show or edit the list.',
    )
    .option('--timeout <seconds>', 'give up on a dial after this long', '30')
    .addHelpText('after', `\n${DIAL_HELP}\n\n${WARNING}`)
    .action(async (flags: { timeout: string }, cmd: Command) => dialNow(cmd, parseSeconds(flags.timeout)))

  bootstrap
    .command('list')
    .description('Show the peers in the bootstrap list, as <multiaddr>/p2p/<peer ID>.')
    .action(async (_flags: object, cmd: Command) => list(cmd))

  const add = bootstrap
    .command('add')
    .description('Add peers (<multiaddr>/p2p/<peer ID>) to the bootstrap list; prints those that were not in it yet.')
    .argument('[peers...]', 'multiaddrs ending in /p2p/<peer ID>')
    .option('--default', "add the public IPFS bootstrap peers Kubo ships (same as 'ipfrs bootstrap add default')")
    .addHelpText('after', `\n${WARNING}`)
    .action(async (peers: string[], flags: { default?: boolean }, cmd: Command) => {
      if (flags.default && peers.length > 0) throw new Error('give either peers or --default, not both')
      if (!flags.default && peers.length === 0)
        throw new Error('no bootstrap peers to add (give multiaddrs or --default)')
      await addPeers(cmd, flags.default ? DEFAULT_BOOTSTRAP : peers)
    })
  add
    .command('default')
    .description('Add the public IPFS bootstrap peers Kubo ships.')
    .action(async (_flags: object, cmd: Command) => addPeers(cmd, DEFAULT_BOOTSTRAP))

  const rm = bootstrap
    .command('rm')
    .description(
      'Remove peers from the bootstrap list; prints those removed. /p2p/<peer ID> alone removes every entry of that peer.',
    )
    .argument('[peers...]', 'multiaddrs ending in /p2p/<peer ID>')
    .option('--all', "remove every bootstrap peer (same as 'ipfrs bootstrap rm all')")
    .action(async (peers: string[], flags: { all?: boolean }, cmd: Command) => {
      if (flags.all && peers.length > 0) throw new Error('give either peers or --all, not both')
      if (!flags.all && peers.length === 0) throw new Error('no bootstrap peers to remove (give multiaddrs or --all)')
      await removePeers(cmd, flags.all ? 'all' : peers)
    })
  rm.command('all')
    .description('Remove every bootstrap peer.')
    .action(async (_flags: object, cmd: Command) => removePeers(cmd, 'all'))
}

const DIAL_HELP = `Needs a running daemon ("ipfrs daemon", or "ipfrs daemon --background"); without one it says so and
exits 1. Prints "reached <peer ID> <multiaddr>" or "failed <multiaddr>: <reason>" per entry ({"Reached":
[{"Peer","Addr"}], "Failed": [{"Addr","Error"}]} with --enc=json), and exits 1 when no peer was reached.`

/** `ipfrs bootstrap`: the daemon dials each Bootstrap entry now (through `swarm/connect`), all at once. */
async function dialNow(cmd: Command, seconds: number): Promise<void> {
  const globals = cmd.optsWithGlobals<GlobalOptions>()
  const { ApiClient } = await import('../api-client.js')
  const { DaemonNotRunningError } = await import('../errors.js')
  const howTo = 'start one with "ipfrs daemon" (or "ipfrs daemon --background"), then run "ipfrs bootstrap" again'
  if ((await ApiClient.forRepo(repoPath(globals))) == null) throw new DaemonNotRunningError(howTo)
  await withNode(globals, async (node) => {
    if (!isRemote(node)) throw new DaemonNotRunningError(howTo)
    const entries = node.config.Bootstrap
    if (entries.length === 0)
      throw new Error('the bootstrap list is empty: add peers with "ipfrs bootstrap add <multiaddr>/p2p/<peer ID>"')
    const results = await Promise.all(
      entries.map(async (addr) => {
        try {
          const peer = await node.network.connect(addr, { signal: AbortSignal.timeout(seconds * 1000) })
          return { addr, peer }
        } catch (err) {
          return { addr, error: err instanceof Error ? err.message : String(err) }
        }
      }),
    )
    const reached = results.flatMap((r) => (r.peer != null ? [{ Peer: r.peer, Addr: r.addr }] : []))
    const failed = results.flatMap((r) => (r.error != null ? [{ Addr: r.addr, Error: r.error }] : []))
    if (wantsJson(globals)) printJson({ Reached: reached, Failed: failed })
    else {
      for (const r of reached) println(`reached ${r.Peer} ${r.Addr}`)
      for (const f of failed) println(`failed ${f.Addr}: ${f.Error}`)
    }
    if (reached.length === 0) throw new Error(`none of the ${entries.length} bootstrap peers could be reached`)
  })
}

async function list(cmd: Command): Promise<void> {
  const globals = cmd.optsWithGlobals<GlobalOptions>()
  await withNode(globals, async (node) => printPeers(globals, '', node.config.Bootstrap))
}

async function addPeers(cmd: Command, peers: readonly string[]): Promise<void> {
  const globals = cmd.optsWithGlobals<GlobalOptions>()
  const { parsePeerAddress } = await import('@ipfrs/network/addresses')
  // every address is checked before the config changes, so a bad one leaves the list as it was
  const given = peers.map((p) => parsePeerAddress(p, { requirePeer: true }).address)
  await withNode(globals, async (node) => {
    const current = node.config.Bootstrap
    const added = [...new Set(given)].filter((p) => !current.includes(p))
    if (added.length > 0) await saveBootstrap(node, [...current, ...added])
    printPeers(globals, 'added ', added)
  })
}

async function removePeers(cmd: Command, peers: readonly string[] | 'all'): Promise<void> {
  const globals = cmd.optsWithGlobals<GlobalOptions>()
  const { parsePeerAddress } = await import('@ipfrs/network/addresses')
  const parsed = (entry: string): PeerAddress | undefined => {
    try {
      return parsePeerAddress(entry)
    } catch {
      return undefined
    }
  }
  const given = peers === 'all' ? [] : peers.map((p) => parsePeerAddress(p, { requirePeer: true }))
  await withNode(globals, async (node) => {
    const current = node.config.Bootstrap
    const matches = (entry: string) => {
      const e = parsed(entry)
      return given.some((g) => g.address === e?.address || (g.address === `/p2p/${g.peer}` && e?.peer === g.peer))
    }
    const removed = peers === 'all' ? current : current.filter(matches)
    if (removed.length > 0) await saveBootstrap(node, peers === 'all' ? [] : current.filter((e) => !matches(e)))
    printPeers(globals, 'removed ', removed)
  })
}

async function saveBootstrap(node: CliNode, list: string[]): Promise<void> {
  await node.repo.saveConfig({ ...node.config, Bootstrap: list })
}

/** Kubo's output: `{"Peers": [...]}`, or one `<prefix><peer>` line each, sorted. */
function printPeers(globals: GlobalOptions, prefix: string, peers: readonly string[]): void {
  if (wantsJson(globals)) printJson({ Peers: peers })
  else for (const peer of [...peers].sort()) println(prefix + peer)
}
