import { isIpfrsError } from '@ipfrs/core/errors'
import type { Command } from 'commander'
import type { Node } from 'ipfrs'
import type { CliNode } from '../cli-node.js'
import { type GlobalOptions, isRemote, wantsJson, withNode } from '../context.js'
import { printJson, println } from '../output.js'
import type { CliSemanticApi } from '../semantic-api.js'

/** The semantic layer of the opened repo's node, or the daemon's through its `semantic/*` RPC commands. */
async function semanticOf(node: CliNode): Promise<CliSemanticApi> {
  const { localSemanticApi, remoteSemanticApi } = await import('../semantic-api.js')
  return isRemote(node) ? remoteSemanticApi(node.api) : localSemanticApi(node as Node)
}

/**
 * Indexes the text of every added file (`ipfrs add --index`). Directories are skipped; a file that is not UTF-8
 * text is reported on stderr and skipped, so one binary file does not fail a recursive add.
 */
export async function indexAdded(node: CliNode, cids: string[]): Promise<void> {
  const semantic = await semanticOf(node)
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

/** withNode with the repo's semantic index open (withNode leaves it closed for the commands that do not use it). */
export function withSemantic<T>(globals: GlobalOptions, fn: (node: CliNode) => Promise<T>): Promise<T> {
  return withNode(globals, fn, { semantic: true })
}

/** `ipfrs semantic index <cid>` and `ipfrs semantic query "<text>"`: the node's vector index. */
export function registerSemantic(program: Command): void {
  const semantic = program.command('semantic').description('Index the text of files and search them by similarity.')

  semantic
    .command('index')
    .description(
      'Embed the text of the UnixFS file at <cid> (its first MiB; text, markdown, HTML or JSON) into the semantic index, one vector per paragraph-sized chunk. Content that is not text is skipped with a message.',
    )
    .argument('<cid...>', 'CIDs of UnixFS text files')
    .action(async (cids: string[], _flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withSemantic(globals, async (node) => {
        const layer = await semanticOf(node)
        for (const cid of cids) {
          const r = await layer.indexCid(cid)
          if (wantsJson(globals))
            printJson({
              Cid: r.cid,
              Bytes: r.bytes,
              Truncated: r.truncated,
              PublishedTo: r.publishedTo,
              Kind: r.kind,
              Chunks: r.chunks,
            })
          else {
            const chunks = r.chunks === undefined ? '' : `, ${r.kind}, ${r.chunks} chunk${r.chunks === 1 ? '' : 's'}`
            println(`indexed ${r.cid} (${r.bytes} bytes${r.truncated ? ', truncated' : ''}${chunks})`)
          }
        }
      })
    })

  semantic
    .command('query')
    .description(
      'Print the indexed CIDs whose text is most similar to <text> in meaning, best first, each once: "<cid> <score>", then its best-matching passage on an indented line.',
    )
    .argument('<text>', 'the query text')
    .option('-k, --top-k <n>', 'how many results (default 10)', '10')
    .option('--min-score <score>', 'drop results scoring below this')
    .option(
      '--network',
      'also search peers (needs a running daemon): connected peers first, then (Semantic.DhtRouting, on by default) the LSH records on the Kademlia DHT, whose best providers are asked even when not connected; prints "<cid> <score> <provider peer>"',
    )
    .action(async (text: string, flags: { topK: string; minScore?: string; network?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const k = Number(flags.topK)
      if (!Number.isInteger(k) || k < 1) throw new Error(`--top-k needs a positive integer, got ${flags.topK}`)
      const minScore = flags.minScore === undefined ? undefined : Number(flags.minScore)
      if (minScore !== undefined && Number.isNaN(minScore)) throw new Error(`--min-score needs a number`)
      await withSemantic(globals, async (node) => {
        const semantic = await semanticOf(node)
        const hits = await semantic.query(text, k, {
          network: flags.network === true,
          ...(minScore === undefined ? {} : { minScore }),
        })
        if (wantsJson(globals)) {
          printJson({
            Results: hits.map((h) => ({
              Cid: h.cid,
              Score: h.score,
              ...(h.provider ? { Provider: h.provider } : {}),
              ...(h.snippet !== undefined ? { Offset: h.offset, Snippet: h.snippet } : {}),
            })),
          })
        } else
          for (const h of hits) {
            println(`${h.cid} ${h.score.toFixed(4)}${h.provider ? ` ${h.provider}` : ''}`)
            if (h.snippet !== undefined) println(`    ${h.snippet}`)
          }
      })
    })

  semantic
    .command('reindex')
    .description(
      'Embed every indexed file again with the configured embedder (Semantic.Embedder), replacing the index; needed after changing the embedder, which otherwise refuses queries (ERR_EMBEDDER_MISMATCH).',
    )
    .action(async (_flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withSemantic(globals, async (node) => {
        const r = await (await semanticOf(node)).reindex()
        if (wantsJson(globals)) printJson(r)
        else {
          println(`reindexed ${r.reindexed} documents with ${r.embedder}`)
          for (const s of r.skipped) println(`skipped ${s.cid}: ${s.reason}`)
        }
      })
    })

  semantic
    .command('stats')
    .description(
      'Print the number of indexed vectors, the index parameters and (with a daemon) the semantic DHT, with its DHT routing (LSH records held, provided, kad lookups, records refused, recall estimate).',
    )
    .action(async (_flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withSemantic(globals, async (node) => {
        const semantic = await semanticOf(node)
        const stats = await semantic.stats()
        if (wantsJson(globals)) printJson(stats)
        else {
          println(`${stats.Documents ?? 0} documents, ${stats.Vectors} vectors, ${stats.Dimension}-d ${stats.Metric}`)
          println(`embedder: ${stats.EmbedderId}`)
          if (typeof stats.Mismatch === 'string') println(`refused: ${stats.Mismatch}`)
          if (stats.Online === true) {
            println(
              `semantic DHT: ${stats.KnownPeers} peers (${stats.PeersWithSummary} with summaries), ${stats.RecordsHeld} records held`,
            )
            const r = stats.DhtRouting as Record<string, unknown> | undefined
            if (r !== undefined) {
              const refused = Object.values((r.RecordsRefused ?? {}) as Record<string, number>).reduce(
                (a, b) => a + b,
                0,
              )
              const recall =
                typeof r.RecallEstimate === 'number' ? `, recall estimate ${r.RecallEstimate.toFixed(2)}` : ''
              println(
                `DHT routing: ${r.RecordsHeld} LSH records held, ${r.RecordsProvided} provided (${r.PendingProvide} pending), ${r.Lookups} kad lookups (${r.LookupCacheHits} cached), ${refused} refused${recall}`,
              )
            }
          }
        }
      })
    })
}
