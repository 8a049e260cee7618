import { InvalidParameterError } from '@ipfrs/core/errors'
import type { Command } from 'commander'
import { type GlobalOptions, withNode } from '../context.js'
import { printJson, println } from '../output.js'
import { answerText, jsonOutput, logicApi, positiveInt } from './logic.js'
import { withSemantic } from './semantic.js'

interface HybridFlags {
  hybrid?: boolean
  logic?: string
  semantic?: string
  topK?: string
  limit?: string
  timeoutMs?: string
  format?: string
}

/** `ipfrs query --hybrid --logic "<goal>" [--semantic "<text>"]`: logic answers ranked by semantic search. */
export function registerQuery(program: Command): void {
  program
    .command('query')
    .description(
      'Hybrid query: run a logic goal against the knowledge base and, with --semantic, a semantic search of the ' +
        'indexed files, then combine them. Each logic answer whose bound values include a CID among the semantic ' +
        'hits takes that CID’s score (the best, if several); answers are ranked by that score, best first, and ' +
        'answers with no score follow in the solver’s order. Semantic hits that no answer reached are listed ' +
        'separately after them. Text output: "<score> <cid>\\t<answer>" per scored answer, "-\\t<answer>" per ' +
        'unscored one, then "unmatched <cid> <score>" lines. Without --semantic the logic answers are printed alone.',
    )
    .option('--hybrid', 'combine logic answers with semantic search (the only mode so far; required)')
    .option('--logic <goal>', 'the logic goal, e.g. "about(Doc, dht)"')
    .option('--semantic <text>', 'the semantic search text')
    .option('-k, --top-k <n>', 'semantic hits to consider (default 10)')
    .option('--limit <n>', 'logic answers to compute at most')
    .option('--timeout-ms <n>', 'time limit of the logic query in milliseconds')
    .option('--format <format>', 'text or json (default: text, or json with --json)')
    .action(async (flags: HybridFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      if (flags.hybrid !== true || flags.logic === undefined) {
        throw new InvalidParameterError('query', 'needs --hybrid and --logic "<goal>" (see --help)')
      }
      const json = jsonOutput(flags.format, globals)
      const topK = positiveInt(flags.topK, '--top-k')
      const limit = positiveInt(flags.limit, '--limit')
      const timeoutMs = positiveInt(flags.timeoutMs, '--timeout-ms')
      // the semantic index is opened only to search it
      const run = flags.semantic !== undefined ? withSemantic : withNode
      await run(globals, async (node) => {
        const api = await logicApi(node)
        const result = await api.hybrid(flags.logic as string, {
          ...(flags.semantic !== undefined ? { semantic: flags.semantic } : {}),
          ...(topK !== undefined ? { topK } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        })
        if (json) {
          printJson({
            Answers: result.answers.map((a) => ({
              Bindings: a.bindings,
              ...(a.score !== undefined ? { Score: a.score, Cid: a.cid } : {}),
            })),
            Unmatched: result.unmatched.map((h) => ({ Cid: h.cid, Score: h.score })),
          })
          return
        }
        if (result.answers.length === 0) println('false')
        for (const a of result.answers) {
          const text = answerText(a.bindings)
          println(a.score === undefined ? `-\t${text}` : `${a.score.toFixed(4)} ${a.cid}\t${text}`)
        }
        for (const h of result.unmatched) println(`unmatched ${h.cid} ${h.score.toFixed(4)}`)
      })
    })
}
