import { IpfrsError, isIpfrsError } from '@ipfrs/core'
import type { Command } from 'commander'
import type { Node } from 'ipfrs'
import type { CliNode } from '../cli-node.js'
import { type GlobalOptions, wantsJson, withNode } from '../context.js'
import { printJson, println } from '../output.js'
import { RemoteNode } from '../remote-node.js'

/** The local node's semantic layer; the daemon's RPC API does not serve semantic commands yet. */
function semanticOf(node: CliNode): Node['semantic'] {
  if (node instanceof RemoteNode) {
    throw new IpfrsError(
      'ERR_NOT_SUPPORTED',
      'semantic commands are not served by the daemon API yet; stop the daemon to use them on the repo',
    )
  }
  return (node as Node).semantic
}

/**
 * Indexes the text of every added file (`ipfrs add --index`). Directories are skipped; a file that is not UTF-8
 * text is reported on stderr and skipped, so one binary file does not fail a recursive add.
 */
export async function indexAdded(node: CliNode, cids: string[]): Promise<void> {
  const semantic = semanticOf(node)
  for (const cid of cids) {
    try {
      await semantic.indexCid(cid)
    } catch (err) {
      if (isIpfrsError(err, 'ERR_NOT_A_FILE')) continue
      if (isIpfrsError(err, 'ERR_INVALID_PARAMETER')) {
        process.stderr.write(`not indexed: ${(err as Error).message}\n`)
        continue
      }
      throw err
    }
  }
}

/** `ipfrs semantic index <cid>` and `ipfrs semantic query "<text>"`: the node's vector index. */
export function registerSemantic(program: Command): void {
  const semantic = program.command('semantic').description('Index the text of files and search them by similarity.')

  semantic
    .command('index')
    .description('Embed the text of the UnixFS file at <cid> (its first MiB) into the semantic index.')
    .argument('<cid...>', 'CIDs of UnixFS text files')
    .action(async (cids: string[], _flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withNode(globals, async (node) => {
        const layer = semanticOf(node)
        for (const cid of cids) {
          const r = await layer.indexCid(cid)
          if (wantsJson(globals)) printJson({ Cid: r.cid, Bytes: r.bytes, Truncated: r.truncated })
          else println(`indexed ${r.cid} (${r.bytes} bytes${r.truncated ? ', truncated' : ''})`)
        }
      })
    })

  semantic
    .command('query')
    .description('Print the indexed CIDs whose text is most similar to <text>, best first: "<cid> <score>".')
    .argument('<text>', 'the query text')
    .option('-k, --top-k <n>', 'how many results (default 10)', '10')
    .option('--min-score <score>', 'drop results scoring below this')
    .action(async (text: string, flags: { topK: string; minScore?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const k = Number(flags.topK)
      if (!Number.isInteger(k) || k < 1) throw new Error(`--top-k needs a positive integer, got ${flags.topK}`)
      const minScore = flags.minScore === undefined ? undefined : Number(flags.minScore)
      if (minScore !== undefined && Number.isNaN(minScore)) throw new Error(`--min-score needs a number`)
      await withNode(globals, async (node) => {
        const hits = await semanticOf(node).query(text, k, minScore === undefined ? {} : { minScore })
        if (wantsJson(globals)) printJson({ Results: hits.map((h) => ({ Cid: h.cid, Score: h.score })) })
        else for (const h of hits) println(`${h.cid} ${h.score.toFixed(4)}`)
      })
    })

  semantic
    .command('stats')
    .description('Print the number of indexed vectors and the index parameters.')
    .action(async (_flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withNode(globals, async (node) => {
        const { store } = semanticOf(node)
        const stats = { Vectors: store.size, ...node.config.Semantic }
        if (wantsJson(globals)) printJson(stats)
        else println(`${stats.Vectors} vectors, ${stats.Dimension}-d ${stats.Metric}`)
      })
    })
}
