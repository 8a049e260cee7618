import { createReadStream } from 'node:fs'
import type { Command } from 'commander'
import { type GlobalOptions, wantsJson, withNode } from '../context.js'
import { printJson, println, writeStdout } from '../output.js'

export function registerDag(program: Command): void {
  const dag = program.command('dag').description('Import and export DAGs as CAR files.')

  dag
    .command('export')
    .description('Write the DAG under a CID to stdout as a CARv1.')
    .argument('<cid>')
    .action(async (cid: string, _flags: object, cmd: Command) => {
      await withNode(cmd.optsWithGlobals<GlobalOptions>(), async (node) => {
        for await (const chunk of node.dag.export(cid)) await writeStdout(chunk)
      })
    })

  dag
    .command('import')
    .description('Store the blocks of CAR files (or stdin), each hash-verified, and pin their roots.')
    .argument('[files...]', 'CAR files; stdin when none or "-"')
    .option('--pin-roots', 'pin the roots (default)', true)
    .option('--no-pin-roots', 'do not pin the roots')
    .action(async (files: string[], flags: { pinRoots: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { formatCid } = await import('@ipfrs/core/cid')
      await withNode(globals, async (node) => {
        for (const file of files.length === 0 ? ['-'] : files) {
          const source = file === '-' ? process.stdin : createReadStream(file)
          const result = await node.dag.import(source, { pinRoots: flags.pinRoots })
          for (const root of result.roots) {
            if (wantsJson(globals)) printJson({ Root: { Cid: { '/': formatCid(root) }, PinErrorMsg: '' } })
            else println(`${flags.pinRoots ? 'pinned root' : 'root'} ${formatCid(root)}`)
          }
          if (wantsJson(globals)) printJson({ Stats: { BlockCount: result.blocks } })
          else println(`imported ${result.blocks} blocks`)
        }
      })
    })
}
