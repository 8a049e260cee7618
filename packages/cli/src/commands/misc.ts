import type { Command } from 'commander'
import { AGENT_VERSION } from 'ipfrs/version'
import { type GlobalOptions, isRemote, wantsJson, withNode } from '../context.js'
import { printJson, println } from '../output.js'

export const VERSION = AGENT_VERSION.split('/')[1] ?? '0.0.0'

export function registerMisc(program: Command): void {
  program
    .command('id')
    .description("Print the node's Peer ID, public key and addresses.")
    .option('-f, --format <template>', 'print with a template: <id>, <pubkey>, <addrs>, <aver>')
    .option('--online', 'start the network for the command, to list the addresses it listens on')
    .addHelpText(
      'after',
      `
With a daemon running, this is the daemon's identity and listen addresses. Without one, the repo is opened offline
and Addresses is empty; --online starts the node on Addresses.Swarm for the command's duration and reports its
listen addresses and protocols.`,
    )
    .action(async (flags: { format?: string; online?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const online = flags.online === true
      await withNode(
        globals,
        async (node) => {
          const id = node.id()
          const remote = isRemote(node)
          if (flags.format !== undefined) {
            return println(
              flags.format
                .replaceAll('<id>', id.ID)
                .replaceAll('<pubkey>', id.PublicKey)
                .replaceAll('<addrs>', id.Addresses.join('\n'))
                .replaceAll('<aver>', id.AgentVersion)
                .replaceAll('\\n', '\n'),
            )
          }
          if (wantsJson(globals)) return printJson(id)
          println(JSON.stringify(id, null, 2))
          // stdout stays JSON (as Kubo's `ipfs id`); the note goes to stderr
          if (!online && !remote)
            process.stderr.write('(offline: no listen addresses; "ipfrs id --online" lists them)\n')
        },
        { online },
      )
    })

  program
    .command('version')
    .description('Print the version.')
    .option('-n, --number', 'print only the version number')
    .option('--all', 'also print the Node.js version and platform')
    .action((flags: { number?: boolean; all?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      if (wantsJson(globals))
        return printJson({ Version: VERSION, System: `${process.arch}/${process.platform}`, Node: process.version })
      if (flags.number) return println(VERSION)
      println(`ipfrs version ${VERSION}`)
      if (flags.all) println(`node ${process.version}\nsystem ${process.arch}/${process.platform}`)
    })
}
