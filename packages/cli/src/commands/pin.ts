import type { PinType } from '@ipfrs/storage'
import { type Command, Option } from 'commander'
import { type GlobalOptions, wantsJson, withNode } from '../context.js'
import { printJson, println } from '../output.js'

export function registerPin(program: Command): void {
  const pin = program.command('pin').description('Keep content from garbage collection.')

  pin
    .command('add')
    .description('Pin CIDs (recursively by default); every block of the DAG must be in the repo.')
    .argument('<cids...>')
    .option('-r, --recursive', 'pin the whole DAG (default)', true)
    .option('--no-recursive', 'pin only the block itself (a direct pin)')
    .action(async (cids: string[], flags: { recursive: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { formatCid } = await import('@ipfrs/core/cid')
      await withNode(globals, async (node) => {
        const pinned: string[] = []
        for (const cid of cids) pinned.push(formatCid((await node.pin.add(cid, { recursive: flags.recursive })).cid))
        if (wantsJson(globals)) printJson({ Pins: pinned })
        else for (const cid of pinned) println(`pinned ${cid} ${flags.recursive ? 'recursively' : 'directly'}`)
      })
    })

  pin
    .command('rm')
    .description('Remove pins; the blocks stay until the next gc.')
    .argument('<cids...>')
    .action(async (cids: string[], _flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withNode(globals, async (node) => {
        for (const cid of cids) await node.pin.rm(cid)
        if (wantsJson(globals)) printJson({ Pins: cids })
        else for (const cid of cids) println(`unpinned ${cid}`)
      })
    })

  pin
    .command('ls')
    .description('List pins.')
    .addOption(
      new Option('-t, --type <type>', 'which pins').choices(['all', 'direct', 'recursive', 'indirect']).default('all'),
    )
    .option('-q, --quiet', 'print only CIDs')
    .action(async (flags: { type: PinType | 'all'; quiet?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { formatCid } = await import('@ipfrs/core/cid')
      await withNode(globals, async (node) => {
        const keys: Record<string, { Type: string }> = {}
        for await (const p of node.pin.ls({ type: flags.type })) {
          const cid = formatCid(p.cid)
          if (wantsJson(globals)) keys[cid] = { Type: p.type }
          else println(flags.quiet ? cid : `${cid} ${p.type}`)
        }
        if (wantsJson(globals)) printJson({ Keys: keys })
      })
    })
}
