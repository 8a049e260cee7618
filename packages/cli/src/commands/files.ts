import { resolve } from 'node:path'
import type { Command } from 'commander'
import { type GlobalOptions, isRemote, wantsJson, withNode } from '../context.js'
import { printJson, println, writeStdout } from '../output.js'
import { progressBar } from '../progress.js'

export function registerFiles(program: Command): void {
  program
    .command('cat')
    .description('Print the contents of a file: <cid>[/path].')
    .argument('<path>', 'a CID, optionally followed by a path inside it')
    .option('-o, --offset <bytes>', 'byte offset to start at')
    .option('-l, --length <bytes>', 'maximum number of bytes to print')
    .action(async (path: string, flags: { offset?: string; length?: string }, cmd: Command) => {
      await withNode(cmd.optsWithGlobals<GlobalOptions>(), async (node) => {
        const opts = {
          offset: flags.offset === undefined ? undefined : Number(flags.offset),
          length: flags.length === undefined ? undefined : Number(flags.length),
        }
        // through a daemon the body goes from the socket to stdout through one buffer (see body-pipe.ts)
        if (isRemote(node)) await node.catTo(path, (bytes, done) => process.stdout.write(bytes, done), opts)
        else for await (const chunk of node.cat(path, opts)) await writeStdout(chunk)
      })
    })

  program
    .command('get')
    .description('Write a file or directory to disk: <cid>[/path] to -o <path> (default: the CID).')
    .argument('<path>', 'a CID, optionally followed by a path inside it')
    .option('-o, --output <path>', 'where to write')
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (path: string, flags: { output?: string; progress?: boolean; quiet?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withNode(globals, async (node) => {
        const out = resolve(flags.output ?? path.replace(/^\/?ipfs\//, '').replaceAll('/', '_'))
        const root = await node.stat(path)
        const total = root.type === 'file' || root.type === 'raw' ? Number(root.size) : undefined
        const bar = progressBar('getting', total, { quiet: flags.quiet, force: flags.progress })
        let bytes: number
        try {
          bytes = await node.get(path, out, { onProgress: (event) => bar.update(event.detail.bytes) })
        } finally {
          bar.stop()
        }
        if (wantsJson(globals)) printJson({ Path: out, Bytes: bytes })
        else if (!flags.quiet) println(`Saving file(s) to ${out}`)
      })
    })

  program
    .command('ls')
    .description('List the entries of a UnixFS directory.')
    .argument('<path>', 'a CID, optionally followed by a path inside it')
    .action(async (path: string, _flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withNode(globals, async (node) => {
        const links = []
        for await (const entry of node.ls(path)) links.push(entry)
        if (wantsJson(globals)) {
          printJson({
            Objects: [
              { Hash: path, Links: links.map((l) => ({ Name: l.name, Hash: l.cid, Size: l.size, Type: l.type })) },
            ],
          })
        } else {
          for (const l of links) println(`${l.cid} ${l.size} ${l.name}${l.type === 'directory' ? '/' : ''}`)
        }
      })
    })
}
