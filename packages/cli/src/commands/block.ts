import { readFile } from 'node:fs/promises'
import { buffer } from 'node:stream/consumers'
import type { Command } from 'commander'
import { type GlobalOptions, wantsJson, withNode } from '../context.js'
import { printJson, println, writeStdout } from '../output.js'

export function registerBlock(program: Command): void {
  const block = program.command('block').description('Work with raw blocks.')

  block
    .command('put')
    .description('Store the bytes of a file (or stdin) as one block and print its CID.')
    .argument('[file]', 'file to read; stdin when absent or "-"')
    .option('--cid-codec <codec>', 'codec of the block: raw (default), dag-pb, dag-cbor, dag-json', 'raw')
    .option('--format <codec>', 'legacy spelling of --cid-codec')
    .option('--mhtype <hash>', 'multihash: sha2-256 (default) or sha2-512', 'sha2-256')
    .option('--pin', 'pin the block')
    .option('--allow-big-block', 'accept blocks over 1 MiB (peers will refuse them)')
    .action(async (file: string | undefined, flags: Record<string, string | boolean | undefined>, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { formatCid } = await import('@ipfrs/core/cid')
      const bytes = file === undefined || file === '-' ? await buffer(process.stdin) : await readFile(file)
      const hashCode = hashCodes[String(flags.mhtype)]
      if (hashCode === undefined) throw new Error(`unsupported --mhtype ${String(flags.mhtype)}`)
      await withNode(globals, async (node) => {
        const { cid, size } = await node.block.put(new Uint8Array(bytes), {
          format: String(flags.format ?? flags.cidCodec),
          hashCode,
          pin: flags.pin === true,
          allowBigBlock: flags.allowBigBlock === true,
        })
        if (wantsJson(globals)) printJson({ Key: formatCid(cid), Size: size })
        else println(formatCid(cid))
      })
    })

  block
    .command('get')
    .description('Write the raw bytes of a block to stdout.')
    .argument('<cid>')
    .action(async (cid: string, _flags: object, cmd: Command) => {
      const { parseCid } = await import('@ipfrs/core/cid')
      await withNode(cmd.optsWithGlobals<GlobalOptions>(), async (node) => {
        await writeStdout(await node.block.get(parseCid(cid)))
      })
    })

  block
    .command('stat')
    .description('Print the CID and size of a block.')
    .argument('<cid>')
    .action(async (cid: string, _flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { formatCid, parseCid } = await import('@ipfrs/core/cid')
      await withNode(globals, async (node) => {
        const stat = await node.block.stat(parseCid(cid))
        if (wantsJson(globals)) printJson({ Key: formatCid(stat.cid), Size: stat.size })
        else println(`Key: ${formatCid(stat.cid)}\nSize: ${stat.size}`)
      })
    })

  block
    .command('rm')
    .description('Remove blocks; pinned blocks are refused.')
    .argument('<cids...>')
    .option('-f, --force', 'ignore blocks that do not exist')
    .option('-q, --quiet', 'print nothing on success')
    .action(async (cids: string[], flags: { force?: boolean; quiet?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { formatCid, parseCid } = await import('@ipfrs/core/cid')
      await withNode(globals, async (node) => {
        const removed = await node.block.rm(
          cids.map((c) => parseCid(c)),
          { force: flags.force },
        )
        for (const cid of removed) {
          if (wantsJson(globals)) printJson({ Hash: formatCid(cid) })
          else if (!flags.quiet) println(`removed ${formatCid(cid)}`)
        }
      })
    })
}

const hashCodes: Record<string, number> = { 'sha2-256': 0x12, 'sha2-512': 0x13 }
