import type { Command } from 'commander'
import type { CliNode } from '../cli-node.js'
import { type GlobalOptions, isRemote, parseSeconds, repoPath, wantsJson, withNode } from '../context.js'
import { printJson, println } from '../output.js'

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
      await addPeers(cmd, flags.default ? 'default' : peers)
    })
  add
    .command('default')
    .description('Add the public IPFS bootstrap peers Kubo ships.')
    .action(async (_flags: object, cmd: Command) => addPeers(cmd, 'default'))

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

/** `'default'`: the public IPFS bootstrap peers Kubo ships. */
async function addPeers(cmd: Command, peers: readonly string[] | 'default'): Promise<void> {
  const globals = cmd.optsWithGlobals<GlobalOptions>()
  const { addBootstrapPeers, DEFAULT_BOOTSTRAP } = await import('@ipfrs/network/bootstrap-list')
  const list = peers === 'default' ? DEFAULT_BOOTSTRAP : peers
  addBootstrapPeers([], list) // every address is checked before the node opens, so a bad one changes nothing
  await withNode(globals, async (node) => {
    const { next, changed } = addBootstrapPeers(node.config.Bootstrap, list)
    if (changed.length > 0) await saveBootstrap(node, next)
    printPeers(globals, 'added ', changed)
  })
}

async function removePeers(cmd: Command, peers: readonly string[] | 'all'): Promise<void> {
  const globals = cmd.optsWithGlobals<GlobalOptions>()
  const { removeBootstrapPeers } = await import('@ipfrs/network/bootstrap-list')
  removeBootstrapPeers([], peers)
  await withNode(globals, async (node) => {
    const { next, changed } = removeBootstrapPeers(node.config.Bootstrap, peers)
    if (changed.length > 0) await saveBootstrap(node, next)
    printPeers(globals, 'removed ', changed)
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
