import type { Command } from 'commander'
import { type GlobalOptions, joinNetwork, parseSeconds, requirePeers, wantsJson, withNode } from '../context.js'
import { RoutingTimeoutError } from '../errors.js'
import { printJson, println } from '../output.js'

/** Kubo's routing query event types (`routing.QueryEventType`). */
const FINAL_PEER = 2
const PROVIDER = 4

const ONLINE_NOTE = `
With a daemon running (ipfrs daemon), the daemon's node runs the query. Without one, the command starts the node
online for its duration: it listens on Addresses.Swarm, dials the Bootstrap list, queries the DHT, and leaves the
network when it ends.`

/** `ipfrs routing …`, and the same commands under Kubo's older spelling `ipfrs dht …`. */
export function registerRouting(program: Command): void {
  addRoutingCommands(
    program.command('routing').description('Find providers and peers through the DHT; announce content.'),
  )
  addRoutingCommands(
    program.command('dht').description("Find providers and peers through the DHT (Kubo's older name for 'routing')."),
  )
}

function addRoutingCommands(parent: Command): void {
  parent
    .command('findprovs')
    .description('Find peers that provide a CID; prints one peer ID per line as they are found.')
    .argument('<cid>')
    .option('-n, --num-providers <n>', 'stop after this many providers', '20')
    .option('--timeout <seconds>', 'give up after this long', '30')
    .addHelpText(
      'after',
      `${ONLINE_NOTE}
With --json each provider is one line of Kubo's query event: {"Extra":"","ID":"","Responses":[{"Addrs":[…],"ID":…}],"Type":4}.
A query that ends without providers prints nothing; one that times out without any is an error.`,
    )
    .action(async (key: string, flags: { numProviders: string; timeout: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { formatCid, parseCid } = await import('@ipfrs/core/cid')
      const cid = parseCid(key)
      const limit = Number(flags.numProviders)
      if (!Number.isInteger(limit) || limit < 1) throw new Error('number of providers must be greater than 0')
      const seconds = parseSeconds(flags.timeout)
      await withNode(
        globals,
        async (node) => {
          const signal = AbortSignal.timeout(seconds * 1000)
          await joinNetwork(node, { signal })
          requirePeers(node, `find providers of ${key}`)
          let found = 0
          try {
            for await (const provider of node.findProviders(cid, { signal })) {
              const id = provider.id.toString()
              if (wantsJson(globals)) {
                printJson({ Extra: '', ID: '', Responses: [{ Addrs: provider.multiaddrs, ID: id }], Type: PROVIDER })
              } else {
                println(id)
              }
              if (++found >= limit) break
            }
          } catch (err) {
            if (!signal.aborted) throw err
          }
          if (signal.aborted && found === 0) {
            throw new RoutingTimeoutError(`no providers of ${formatCid(cid)} found within ${seconds} s`)
          }
        },
        { online: true },
      )
    })

  parent
    .command('findpeer')
    .description('Find the addresses of a peer; prints one multiaddr per line.')
    .argument('<peerID>')
    .option('--timeout <seconds>', 'give up after this long', '30')
    .addHelpText(
      'after',
      `${ONLINE_NOTE}
With --json: Kubo's query event {"Extra":"","ID":"","Responses":[{"Addrs":[…],"ID":…}],"Type":2}.`,
    )
    .action(async (peer: string, flags: { timeout: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { isPeerId } = await import('@ipfrs/network/addresses')
      if (!isPeerId(peer)) throw new Error(`invalid peer ID "${peer}"`)
      const seconds = parseSeconds(flags.timeout)
      await withNode(
        globals,
        async (node) => {
          if (peer === node.peerId) throw new Error('cannot look up this node itself (see "ipfrs id --online")')
          const signal = AbortSignal.timeout(seconds * 1000)
          await joinNetwork(node, { signal })
          requirePeers(node, `find peer ${peer}`)
          const addrs = await node.network.findPeer(peer, { signal })
          if (wantsJson(globals)) {
            return printJson({ Extra: '', ID: '', Responses: [{ Addrs: addrs, ID: peer }], Type: FINAL_PEER })
          }
          for (const addr of addrs) println(addr)
        },
        { online: true },
      )
    })

  parent
    .command('provide')
    .description(
      'Announce to the DHT that this node provides CIDs (each must be in the repo). Prints nothing on success, as Kubo.',
    )
    .argument('<cids...>')
    .option('--timeout <seconds>', 'give up after this long', '60')
    .addHelpText(
      'after',
      `${ONLINE_NOTE}
The provider records stay on the DHT peers that received them for Routing.ProviderTTLSeconds; a short-lived node does
not re-announce them (the daemon will).`,
    )
    .action(async (keys: string[], flags: { timeout: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { formatCid, parseCid } = await import('@ipfrs/core/cid')
      const cids = keys.map((k) => parseCid(k))
      const seconds = parseSeconds(flags.timeout)
      await withNode(
        globals,
        async (node) => {
          for (const cid of cids) {
            if (!(await node.block.has(cid)))
              throw new Error(`block ${formatCid(cid)} not found locally, cannot provide`)
          }
          const signal = AbortSignal.timeout(seconds * 1000)
          await joinNetwork(node, { signal })
          requirePeers(node, 'provide')
          try {
            for (const cid of cids) await node.provide(cid, { signal })
          } catch (err) {
            if (!signal.aborted) throw err
            throw new RoutingTimeoutError(`providing did not complete within ${seconds} s`, { cause: err })
          }
        },
        { online: true },
      )
    })
}
