import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { InvalidParameterError } from '@ipfrs/core/errors'
import type { Command } from 'commander'
import type { Node, ProofStep } from 'ipfrs'
import type { CliNode } from '../cli-node.js'
import { type GlobalOptions, isRemote, wantsJson, withNode } from '../context.js'
import type { CliLogicApi } from '../logic-api.js'
import { printJson, println } from '../output.js'

/** The node's knowledge base, or with a daemon running its `logic/*` RPC commands. */
export async function logicApi(node: CliNode): Promise<CliLogicApi> {
  const { localLogicApi, remoteLogicApi } = await import('../logic-api.js')
  return isRemote(node) ? remoteLogicApi(node.api) : localLogicApi(node as Node)
}

/** A positive integer flag value, or undefined when absent; anything else is `ERR_INVALID_PARAMETER`. */
export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InvalidParameterError(flag, `needs a positive integer, got ${value}`)
  }
  return n
}

/** Whether output should be JSON: `--format json`, or the global `--json` / `--enc=json`. */
export function jsonOutput(format: string | undefined, globals: GlobalOptions): boolean {
  if (format !== undefined && format !== 'json' && format !== 'text') {
    throw new InvalidParameterError('--format', `json or text, got ${format}`)
  }
  return format === undefined ? wantsJson(globals) : format === 'json'
}

/** One answer as Prolog prints it: `X = a, Y = f(b)`; `true` when the goal has no named variables. */
export function answerText(bindings: Record<string, string>): string {
  const parts = Object.entries(bindings).map(([k, v]) => `${k} = ${v}`)
  return parts.length === 0 ? 'true' : parts.join(', ')
}

function printProof(step: ProofStep, depth: number): void {
  println(`${'  '.repeat(depth)}${step.goal}${step.via === 'clause' ? '' : `  [${step.via}]`}`)
  for (const c of step.children) printProof(c, depth + 1)
}

interface QueryFlags {
  format?: string
  timeoutMs?: string
  limit?: string
  network?: boolean
}

/** `ipfrs logic ...`: the node's TensorLogic knowledge base. */
export function registerLogic(program: Command): void {
  const logic = program
    .command('logic')
    .description(
      'The node’s TensorLogic knowledge base: facts and rules in a Prolog-like syntax, kept in the repo ' +
        '(snapshotted on stop, restored on start) and shared with peers. Works on the repo or through a running daemon.',
    )

  logic
    .command('load')
    .description('Add every clause (and :- table / :- dynamic directive) of a program file to the knowledge base.')
    .argument('<file>', 'a program file, e.g. family.pl')
    .action(async (file: string, _flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const text = await readFile(file, 'utf8')
      await withNode(globals, async (node) => {
        const api = await logicApi(node)
        const { clauses } = await api.load(text)
        if (wantsJson(globals)) printJson({ Clauses: clauses })
        else println(`loaded ${clauses} clause${clauses === 1 ? '' : 's'}`)
      })
    })

  logic
    .command('query')
    .description(
      'Print the answers of a goal, one per line ("X = a, Y = b"; "true" for a goal without variables, "false" ' +
        'when there is none). A goal that does not parse fails with ERR_PARSE and its line and column; a query ' +
        'past --timeout-ms fails with ERR_TIMEOUT. With --network the goal also goes to every peer on ' +
        '/ipfrs/tensorlogic/1.0.0 and the answers arriving within --timeout-ms (default 3000) are merged, each once, ' +
        'with the peers that gave it ("local" is this node); this needs a running daemon or joins the network for ' +
        'the command.',
    )
    .argument('<goal>', 'e.g. "ancestor(tom, X)"')
    .option('--format <format>', 'text or json (default: text, or json with --json)')
    .option('--timeout-ms <n>', 'time limit of the query in milliseconds (with --network: how long to collect)')
    .option('--limit <n>', 'stop after this many answers')
    .option('--network', 'ask peers too (distributed query over GossipSub)')
    .action(async (goal: string, flags: QueryFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const json = jsonOutput(flags.format, globals)
      const timeoutMs = positiveInt(flags.timeoutMs, '--timeout-ms')
      const limit = positiveInt(flags.limit, '--limit')
      const options = { ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(limit !== undefined ? { limit } : {}) }
      if (flags.network === true) {
        await withNode(
          globals,
          async (node) => {
            if (!isRemote(node)) {
              await Promise.allSettled(node.config.Bootstrap.map((a) => node.network.connect(a)))
              await (node as Node).logic.awaitPeers(Math.min(timeoutMs ?? 3000, 5000))
            }
            const api = await logicApi(node)
            const answers = await api.distributedQuery(goal, options)
            if (json) printJson({ Answers: answers })
            else if (answers.length === 0) println('false')
            else for (const a of answers) println(`${answerText(a.bindings)}\t(from ${a.from.join(', ')})`)
          },
          { online: true },
        )
        return
      }
      await withNode(globals, async (node) => {
        const api = await logicApi(node)
        const answers = await api.query(goal, options)
        if (json) printJson({ Answers: answers })
        else if (answers.length === 0) println('false')
        else for (const a of answers) println(answerText(a))
      })
    })

  logic
    .command('prove')
    .description(
      'Print the proof tree of the goal’s first solution: each goal proven, indented under the goal it serves ' +
        '(built-ins and tabled answers marked); "false" when there is no solution.',
    )
    .argument('<goal>')
    .option('--format <format>', 'text or json')
    .option('--timeout-ms <n>', 'time limit in milliseconds')
    .action(async (goal: string, flags: QueryFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const json = jsonOutput(flags.format, globals)
      const timeoutMs = positiveInt(flags.timeoutMs, '--timeout-ms')
      await withNode(globals, async (node) => {
        const api = await logicApi(node)
        const tree = await api.prove(goal, timeoutMs !== undefined ? { timeoutMs } : {})
        if (json) printJson({ Proof: tree })
        else if (tree === null) println('false')
        else {
          println(answerText(tree.bindings))
          for (const step of tree.proof) printProof(step, 1)
        }
      })
    })

  for (const kind of ['fact', 'rule'] as const) {
    logic
      .command(`add-${kind}`)
      .description(
        kind === 'fact'
          ? 'Add one fact, e.g. "parent(tom, bob)."; print its clause CID. A rule here is ERR_INVALID_CLAUSE.'
          : 'Add one rule, e.g. "grandparent(X, Z) :- parent(X, Y), parent(Y, Z)."; print its clause CID.',
      )
      .argument('<clause>')
      .action(async (clause: string, _flags: object, cmd: Command) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>()
        await withNode(globals, async (node) => {
          const api = await logicApi(node)
          const cid = kind === 'fact' ? await api.addFact(clause) : await api.addRule(clause)
          if (wantsJson(globals)) printJson({ Cid: cid })
          else println(cid)
        })
      })
  }

  logic
    .command('stats')
    .description('Print the counts of facts, rules, predicates and tabled predicates, and the last snapshot’s root.')
    .action(async (_flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withNode(globals, async (node) => {
        const api = await logicApi(node)
        const s = await api.stats()
        if (wantsJson(globals)) printJson(s)
        else {
          println(`${s.facts} facts, ${s.rules} rules, ${s.predicates} predicates, ${s.tabled} tabled`)
          if (s.root !== undefined) println(`root ${s.root}`)
          if (s.restoreError !== undefined) println(`snapshot not restored: ${s.restoreError}`)
        }
      })
    })

  logic
    .command('publish')
    .description(
      'Store clauses as content-addressed blocks (pinned) and, online, provide them to peers; print one CID per ' +
        'clause. The knowledge base itself is not changed (use "logic load"). Peers import them with "logic fetch".',
    )
    .argument('<file-or-clause>', 'a program file, or clause text such as "p(X) :- q(X)."')
    .action(async (input: string, _flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const text = existsSync(input) ? await readFile(input, 'utf8') : input
      await withNode(globals, async (node) => {
        const api = await logicApi(node)
        const cids = await api.publish(text)
        if (wantsJson(globals)) printJson({ Cids: cids })
        else for (const c of cids) println(c)
      })
    })

  logic
    .command('fetch')
    .description(
      'Fetch clause blocks by CID (from the repo, or from peers over Bitswap when the daemon runs), verify them, ' +
        'pin them and add them to the knowledge base (clauses it already holds are not added twice); print each ' +
        'clause. Without a daemon only blocks already in the repo are found, unless --network is given.',
    )
    .argument('<cid...>')
    .option('--network', 'without a daemon: join the network (Bootstrap peers) for this command to fetch from peers')
    .action(async (cids: string[], flags: { network?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withNode(
        globals,
        async (node) => {
          if (flags.network === true && !isRemote(node)) {
            await Promise.allSettled(node.config.Bootstrap.map((a) => node.network.connect(a)))
          }
          const api = await logicApi(node)
          const clauses = await api.fetch(cids)
          if (wantsJson(globals)) printJson({ Clauses: clauses })
          else for (const c of clauses) println(c)
        },
        { online: flags.network === true },
      )
    })
}
