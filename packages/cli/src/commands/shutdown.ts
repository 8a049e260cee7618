import type { Command } from 'commander'
import { type GlobalOptions, isRemote, withNode } from '../context.js'
import { println } from '../output.js'

/** `ipfrs shutdown`: Kubo's; asks the running daemon to stop through its RPC API (`shutdown`). */
export function registerShutdown(program: Command): void {
  program
    .command('shutdown')
    .description('Stop the running daemon through its RPC API (as "ipfrs daemon stop", but over HTTP).')
    .action(async (_flags: object, cmd: Command) => {
      await withNode(cmd.optsWithGlobals<GlobalOptions>(), async (node) => {
        if (!isRemote(node)) throw new Error('no daemon is running on this repo')
        await (await node.api.call('shutdown')).text()
        println('daemon stopping')
      })
    })
}
