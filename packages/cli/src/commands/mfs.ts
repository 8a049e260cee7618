import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { type GlobalOptions, wantsJson, withNode } from '../context.js'
import { printJson, println, writeStdout } from '../output.js'

/** Reads a file argument, or stdin when there is none (or it is `-`). */
export async function inputBytes(file: string | undefined): Promise<Uint8Array> {
  if (file != null && file !== '-') return readFile(file)
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function count(value: string, flag: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} needs a non-negative integer, got ${value}`)
  return n
}

async function withFiles<T>(cmd: Command, fn: (files: import('@ipfrs/node-api').MfsApi, json: boolean) => Promise<T>) {
  const globals = cmd.optsWithGlobals<GlobalOptions>()
  const { kuboApis } = await import('../kubo-apis.js')
  return withNode(globals, (node) => fn(kuboApis(node).files, wantsJson(globals)))
}

/** `ipfrs files …`: Kubo's Mutable File System, a directory tree whose root persists in the repo (never collected). */
export function registerMfs(program: Command): void {
  const files = program
    .command('files')
    .description(
      'The Mutable File System: a writable directory tree over immutable content; what it holds is never garbage-collected.',
    )

  files
    .command('mkdir')
    .description('Create a directory.')
    .argument('<path>', 'an absolute MFS path, e.g. /docs')
    .option('-p, --parents', 'create missing parent directories; no error if it exists')
    .action(async (path: string, flags: { parents?: boolean }, cmd: Command) => {
      await withFiles(cmd, (f) => f.mkdir(path, { parents: flags.parents === true }))
    })

  files
    .command('write')
    .description('Write to a file from a local file or stdin.')
    .argument('<path>', 'the MFS file')
    .argument('[file]', 'what to write (default: stdin)')
    .option('-e, --create', 'create the file if it does not exist')
    .option('-p, --parents', 'create missing parent directories')
    .option('-t, --truncate', 'truncate the file to size zero before writing')
    .option('-o, --offset <bytes>', 'byte offset to begin writing at')
    .option('-n, --count <bytes>', 'maximum number of bytes to read from the input')
    .action(async (path: string, file: string | undefined, flags: Record<string, string | boolean>, cmd: Command) => {
      const content = await inputBytes(file)
      await withFiles(cmd, (f) =>
        f.write(path, content, {
          create: flags.create === true,
          parents: flags.parents === true,
          truncate: flags.truncate === true,
          offset: typeof flags.offset === 'string' ? count(flags.offset, '--offset') : undefined,
          count: typeof flags.count === 'string' ? count(flags.count, '--count') : undefined,
        }),
      )
    })

  files
    .command('read')
    .description('Print a file.')
    .argument('<path>', 'an MFS file')
    .option('-o, --offset <bytes>', 'byte offset to begin reading from')
    .option('-n, --count <bytes>', 'maximum number of bytes to read')
    .action(async (path: string, flags: { offset?: string; count?: string }, cmd: Command) => {
      await withFiles(cmd, async (f) => {
        const offset = flags.offset === undefined ? undefined : count(flags.offset, '--offset')
        const n = flags.count === undefined ? undefined : count(flags.count, '--count')
        for await (const chunk of f.read(path, { offset, count: n })) await writeStdout(chunk)
      })
    })

  files
    .command('ls')
    .description('List a directory.')
    .argument('[path]', 'an MFS directory', '/')
    .option('-l, --long', 'show the CID and size of each entry')
    .action(async (path: string, flags: { long?: boolean }, cmd: Command) => {
      await withFiles(cmd, async (f, json) => {
        const entries = []
        for await (const e of f.ls(path)) entries.push(e)
        if (json) {
          const wire = entries.map((e) => ({
            Name: e.name,
            Type: e.type === 'directory' ? 1 : 0,
            Size: e.size,
            Hash: `${e.cid}`,
          }))
          return printJson({ Entries: wire })
        }
        for (const e of entries) {
          const name = e.type === 'directory' ? `${e.name}/` : e.name
          println(flags.long === true ? `${name}\t${e.cid}\t${e.size}` : name)
        }
      })
    })

  files
    .command('stat')
    .description(
      'Show the CID, size, cumulative (encoded DAG) size, child blocks and type of an MFS path or /ipfs/<cid>.',
    )
    .argument('<path>', 'an MFS path or /ipfs/<cid>[/path]')
    .option('--hash', 'print only the CID')
    .option('--size', 'print only the size')
    .action(async (path: string, flags: { hash?: boolean; size?: boolean }, cmd: Command) => {
      await withFiles(cmd, async (f, json) => {
        const s = await f.stat(path)
        if (flags.hash === true) return println(`${s.cid}`)
        if (flags.size === true) return println(String(s.size))
        if (json) {
          return printJson({
            Hash: `${s.cid}`,
            Size: s.size,
            CumulativeSize: s.cumulativeSize,
            Blocks: s.blocks,
            Type: s.type,
          })
        }
        println(`${s.cid}`)
        println(`Size: ${s.size}`)
        println(`CumulativeSize: ${s.cumulativeSize}`)
        println(`ChildBlocks: ${s.blocks}`)
        println(`Type: ${s.type}`)
      })
    })

  files
    .command('cp')
    .description('Copy an MFS path or /ipfs/<cid>[/path] to an MFS path.')
    .argument('<source>', 'an MFS path or /ipfs/<cid>[/path]')
    .argument('<dest>', 'an MFS path (an existing directory: copied into it)')
    .option('-p, --parents', 'create missing parent directories')
    .action(async (source: string, dest: string, flags: { parents?: boolean }, cmd: Command) => {
      await withFiles(cmd, (f) => f.cp(source, dest, { parents: flags.parents === true }))
    })

  files
    .command('mv')
    .description('Move (rename) an MFS path.')
    .argument('<source>')
    .argument('<dest>', 'the new path (an existing directory: moved into it)')
    .action(async (source: string, dest: string, _flags: object, cmd: Command) => {
      await withFiles(cmd, (f) => f.mv(source, dest))
    })

  files
    .command('rm')
    .description('Remove files, or directories with -r.')
    .argument('<paths...>')
    .option('-r, --recursive', 'remove directories and what they hold')
    .option('--force', 'no error when a path does not exist')
    .action(async (paths: string[], flags: { recursive?: boolean; force?: boolean }, cmd: Command) => {
      await withFiles(cmd, async (f) => {
        for (const path of paths) await f.rm(path, { recursive: flags.recursive === true, force: flags.force === true })
      })
    })

  files
    .command('flush')
    .description('Print the CID of an MFS path (writes are already durable).')
    .argument('[path]', 'an MFS path', '/')
    .action(async (path: string, _flags: object, cmd: Command) => {
      await withFiles(cmd, async (f, json) => {
        const cid = await f.flush(path)
        if (json) printJson({ Cid: `${cid}` })
        else println(`${cid}`)
      })
    })
}
