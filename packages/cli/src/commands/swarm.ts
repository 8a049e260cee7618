import type { Command } from 'commander'
import { type GlobalOptions, joinNetwork, parseSeconds, wantsJson, withNode } from '../context.js'
import { printJson, println } from '../output.js'

const SHORT_LIVED = `
With a daemon running (ipfrs daemon), the command asks the daemon. Without one, it starts the node online (listening
on Addresses.Swarm), does its work, and leaves the network when it ends, closing every connection it made.`

/** Kubo's `network.Direction` numbers, as `swarm peers --json` reports them. */
const DIRECTION = { inbound: 1, outbound: 2 } as const

export function registerSwarm(program: Command): void {
  const swarm = program.command('swarm').description("Connections to other peers and this node's listen addresses.")

  swarm
    .command('peers')
    .description('List the peers connected once the Bootstrap list has been dialled, as <multiaddr>/p2p/<peer ID>.')
    .option('--direction', 'also print whether each connection is inbound or outbound')
    .option('--timeout <seconds>', 'how long to wait for the bootstrap dials', '10')
    .addHelpText(
      'after',
      `${SHORT_LIVED}
So "peers" are the connections open when every bootstrap dial has succeeded or failed (or --timeout passed), plus
any peer that dialled in meanwhile. With --json: {"Peers":[{"Addr","Peer","Direction"}]} (Direction 1 inbound, 2 outbound).`,
    )
    .action(async (flags: { direction?: boolean; timeout: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const seconds = parseSeconds(flags.timeout)
      await withNode(
        globals,
        async (node) => {
          await joinNetwork(node, { signal: AbortSignal.timeout(seconds * 1000) })
          const peers = node.network.peers().map((c) => ({
            Addr: c.addr.replace(/\/p2p\/[^/]+$/, ''),
            Peer: c.peer,
            Direction: DIRECTION[c.direction],
          }))
          peers.sort((a, b) => `${a.Addr}/p2p/${a.Peer}`.localeCompare(`${b.Addr}/p2p/${b.Peer}`))
          if (wantsJson(globals)) return printJson({ Peers: peers })
          for (const p of peers) {
            println(`${p.Addr}/p2p/${p.Peer}${flags.direction ? ` ${p.Direction === 1 ? 'inbound' : 'outbound'}` : ''}`)
          }
        },
        { online: true },
      )
    })

  const addrs = swarm
    .command('addrs')
    .description('List the addresses this node listens on (Addresses.Swarm, with ports resolved).')
    .option('--id', 'append /p2p/<peer ID> to each address')
    .addHelpText(
      'after',
      `${SHORT_LIVED}\nWith --json: {"Strings":[…]}. "ipfrs swarm addrs local" is the same, as Kubo spells it.`,
    )
    .action(async (_flags: object, cmd: Command) => listenAddrs(cmd))
  addrs
    .command('local')
    .description('List the addresses this node listens on (same as "ipfrs swarm addrs"; takes --id too).')
    .action(async (_flags: object, cmd: Command) => listenAddrs(cmd))

  swarm
    .command('connect')
    .description('Dial peers; prints "connect <peer ID> success" for each.')
    .argument('<addresses...>', 'multiaddrs, usually ending in /p2p/<peer ID>')
    .option('--timeout <seconds>', 'give up on a dial after this long', '30')
    .addHelpText('after', SHORT_LIVED)
    .action(async (addresses: string[], flags: { timeout: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { parsePeerAddress } = await import('@ipfrs/network/addresses')
      const targets = addresses.map((a) => parsePeerAddress(a).address)
      const seconds = parseSeconds(flags.timeout)
      await withNode(
        globals,
        async (node) => {
          const lines: string[] = []
          for (const target of targets) {
            let peer: string
            try {
              peer = await node.network.connect(target, { signal: AbortSignal.timeout(seconds * 1000) })
            } catch (err) {
              throw new Error(`connect ${target} failure: ${err instanceof Error ? err.message : String(err)}`, {
                cause: err,
              })
            }
            lines.push(`connect ${peer} success`)
            if (!wantsJson(globals)) println(lines.at(-1))
          }
          if (wantsJson(globals)) printJson({ Strings: lines })
        },
        { online: true },
      )
    })

  swarm
    .command('disconnect')
    .description('Close the connections to peers; prints "disconnect <peer ID> success" for each.')
    .argument('<peers...>', 'peer IDs, or multiaddrs ending in /p2p/<peer ID>')
    .option('--timeout <seconds>', 'how long to wait for the bootstrap dials', '10')
    .addHelpText(
      'after',
      `${SHORT_LIVED}
So the only connections there are to close are those to the Bootstrap peers, made when the command starts; a peer
not connected then is an error.`,
    )
    .action(async (targets: string[], flags: { timeout: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { isPeerId, parsePeerAddress } = await import('@ipfrs/network/addresses')
      const peers = targets.map((t) => {
        if (!t.startsWith('/')) {
          if (!isPeerId(t)) throw new Error(`invalid peer ID "${t}"`)
          return t
        }
        const { peer } = parsePeerAddress(t, { requirePeer: true })
        return peer!
      })
      const seconds = parseSeconds(flags.timeout)
      await withNode(
        globals,
        async (node) => {
          const connected = await joinNetwork(node, { signal: AbortSignal.timeout(seconds * 1000) })
          const lines: string[] = []
          for (const peer of peers) {
            if (!connected.includes(peer)) throw new Error(`disconnect ${peer} failure: not connected`)
            // as /p2p/<id>: Network.disconnect given a bare peer ID fails ("addr.getComponents is not a function")
            await node.network.disconnect(`/p2p/${peer}`)
            lines.push(`disconnect ${peer} success`)
            if (!wantsJson(globals)) println(lines.at(-1))
          }
          if (wantsJson(globals)) printJson({ Strings: lines })
        },
        { online: true },
      )
    })
}

async function listenAddrs(cmd: Command): Promise<void> {
  // --id belongs to `swarm addrs`, which also parses it when it follows `local`
  const globals = cmd.optsWithGlobals<GlobalOptions & { id?: boolean }>()
  await withNode(
    globals,
    async (node) => {
      const suffix = `/p2p/${node.peerId}`
      const addrs = node.network
        .addresses()
        .map((a) => (a.endsWith(suffix) ? a.slice(0, -suffix.length) : a))
        .map((a) => (globals.id ? a + suffix : a))
        .sort()
      if (wantsJson(globals)) return printJson({ Strings: addrs })
      for (const a of addrs) println(a)
    },
    { online: true },
  )
}
