import { stat } from 'node:fs/promises'
import type { Command } from 'commander'
import type { AddedModel, AddOptions, AddResult } from 'ipfrs'
import { type GlobalOptions, wantsJson, withNode } from '../context.js'
import { printJson, println } from '../output.js'
import { progressBar } from '../progress.js'
import { indexAdded, withSemantic } from './semantic.js'

interface AddFlags {
  quiet?: boolean
  quieter?: boolean
  onlyHash?: boolean
  recursive?: boolean
  hidden?: boolean
  wrapWithDirectory?: boolean
  cidVersion?: string
  rawLeaves?: boolean
  chunker?: string
  pin: boolean
  progress?: boolean
  index?: boolean
}

export function registerAdd(program: Command): void {
  program
    .command('add')
    .description(
      'Add files (or stdin with no path or "-") as UnixFS; prints "added <cid> <name>" per entry, as Kubo. A ' +
        '.safetensors or .gguf file is stored once, as its file DAG: its CID is the handle of `ipfrs tensor`, and ' +
        "stderr (or --json's Model field) says it is a model.",
    )
    .argument('[paths...]', 'files or, with -r, directories; none or "-" reads stdin')
    .option('-q, --quiet', 'print only the CIDs')
    .option('-Q, --quieter', 'print only the root CID')
    .option('-n, --only-hash', 'compute CIDs without storing anything')
    .option('-r, --recursive', 'add directories recursively')
    .option('-H, --hidden', 'include files whose names start with a dot')
    .option('-w, --wrap-with-directory', 'wrap the added files in a directory')
    .option('--cid-version <n>', 'CID version: 0 (default, as Kubo) or 1 (implies --raw-leaves)')
    .option('--raw-leaves', 'store file data as raw blocks')
    .option('--no-raw-leaves', 'store file data in dag-pb leaves')
    .option('--chunker <spec>', 'chunking: size-<bytes> (default size-262144)')
    .option('--pin', 'pin the added root (default)', true)
    .option('--no-pin', 'do not pin')
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .option('--index', 'also embed the text of each added file into the semantic index')
    .action(async (paths: string[], flags: AddFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { formatCid } = await import('@ipfrs/core/cid')
      const options: AddOptions = {
        onlyHash: flags.onlyHash,
        pin: flags.pin,
        wrapWithDirectory: flags.wrapWithDirectory,
        chunker: flags.chunker,
        rawLeaves: flags.rawLeaves,
        cidVersion: flags.cidVersion === undefined ? undefined : (Number(flags.cidVersion) as 0 | 1),
      }
      if (options.cidVersion !== undefined && options.cidVersion !== 0 && options.cidVersion !== 1) {
        throw new Error(`--cid-version must be 0 or 1, got ${flags.cidVersion}`)
      }
      const quiet = flags.quiet === true || flags.quieter === true
      const print = (r: AddResult & { model?: AddedModel }, isRoot: boolean) => {
        const cid = formatCid(r.cid)
        if (flags.quieter && !isRoot) return
        const model = r.model != null ? { Model: { Format: r.model.format, Tensors: r.model.tensors } } : {}
        if (wantsJson(globals)) printJson({ Name: r.path || cid, Hash: cid, Size: String(r.size), ...model })
        else if (quiet) println(cid)
        else println(`added ${cid} ${r.path || cid}`)
      }
      // only --index needs the semantic index open
      const run = flags.index === true && flags.onlyHash !== true ? withSemantic : withNode
      await run(globals, async (node) => {
        const sources = paths.length === 0 ? ['-'] : paths
        for (const path of sources) {
          const total = path === '-' ? undefined : await sizeOf(path)
          const bar = progressBar('adding', total, { quiet, force: flags.progress })
          try {
            const results: AddResult[] = []
            if (path === '-') {
              results.push(await node.addFile(process.stdin, options))
            } else {
              for await (const r of node.addPath(path, {
                ...options,
                recursive: flags.recursive,
                hidden: flags.hidden,
                onProgress: (event) => event.type === 'add:read' && bar.update(event.detail.total),
              })) {
                results.push(r)
              }
            }
            bar.stop()
            for (const [i, r] of results.entries()) print(r, i === results.length - 1)
            const added = results.map((r) => formatCid(r.cid))
            if (flags.index && !flags.onlyHash) await indexAdded(node, added)
            // a model file: said on stderr (stdout stays Kubo's); its file CID is the handle of `ipfrs tensor`
            const model = (results.at(-1) as { model?: AddedModel } | undefined)?.model
            if (model != null && !quiet && !wantsJson(globals))
              process.stderr.write(
                `${model.format} model with ${model.tensors} tensors: ipfrs tensor ls ${added.at(-1)}\n`,
              )
          } finally {
            bar.stop()
          }
        }
      })
    })
}

async function sizeOf(path: string): Promise<number | undefined> {
  const info = await stat(path)
  return info.isFile() ? info.size : undefined
}
