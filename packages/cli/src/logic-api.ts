import { formatCid, InvalidParameterError, parseCid } from '@ipfrs/core'
import { multipartParts, type RpcCommand, sendJson } from '@ipfrs/interface'
import type { LogicDistributedAnswer, LogicStats, Node, ProofTree } from 'ipfrs'
import type { ApiClient } from './api-client.js'

/** Limits of one `logic query`/`prove`. */
export interface CliQueryOptions {
  limit?: number
  timeoutMs?: number
}

/** One answer of a hybrid query: its bindings and, when one of its values is a CID the semantic search found, its score. */
export interface HybridAnswer {
  bindings: Record<string, string>
  score?: number
  cid?: string
}

/** A hybrid query's result: answers ranked by semantic score (unscored after, in solver order) and unreached hits. */
export interface HybridResult {
  answers: HybridAnswer[]
  /** Semantic hits that no logic answer reached, best first. */
  unmatched: Array<{ cid: string; score: number }>
}

/** Options of a hybrid query. */
export interface HybridOptions extends CliQueryOptions {
  /** The semantic search text (without it, the result is the logic answers alone). */
  semantic?: string
  /** Semantic hits to consider (default 10). */
  topK?: number
}

/** What the `logic` and `query --hybrid` commands need, from the repo (local) or a running daemon (`logic/*`). */
export interface CliLogicApi {
  load(program: string): Promise<{ clauses: number }>
  query(goal: string, options: CliQueryOptions): Promise<Array<Record<string, string>>>
  /** Answers from every peer on the topic and this node, merged (online only). */
  distributedQuery(goal: string, options: CliQueryOptions): Promise<LogicDistributedAnswer[]>
  prove(goal: string, options: CliQueryOptions): Promise<ProofTree | null>
  addFact(text: string): Promise<string>
  addRule(text: string): Promise<string>
  stats(): Promise<LogicStats>
  publish(text: string): Promise<string[]>
  fetch(cids: string[]): Promise<string[]>
  hybrid(goal: string, options: HybridOptions): Promise<HybridResult>
}

/** The CID strings (normalised) found in a printed term: quoted or bare atoms and strings that parse as CIDs. */
function cidsIn(value: string): string[] {
  const out: string[] = []
  for (const token of value.match(/[A-Za-z0-9]{46,}/g) ?? []) {
    try {
      out.push(formatCid(parseCid(token)))
    } catch {
      // not a CID
    }
  }
  return out
}

/**
 * Combines logic answers with semantic hits: an answer whose bound values include a hit's CID takes that hit's score
 * (the best, if several); scored answers come first, best first, then the others in solver order; hits no answer
 * reached are returned apart.
 */
export function combineHybrid(
  answers: Array<Record<string, string>>,
  hits: ReadonlyArray<{ cid: string; score: number }>,
): HybridResult {
  const score = new Map<string, number>()
  for (const h of hits) {
    const key = cidsIn(h.cid)[0] ?? h.cid
    if (!score.has(key)) score.set(key, h.score)
  }
  const reached = new Set<string>()
  const scored: Array<HybridAnswer & { i: number }> = answers.map((bindings, i) => {
    let best: { cid: string; score: number } | undefined
    for (const value of Object.values(bindings)) {
      for (const cid of cidsIn(value)) {
        const s = score.get(cid)
        if (s === undefined) continue
        reached.add(cid)
        if (best === undefined || s > best.score) best = { cid, score: s }
      }
    }
    return best === undefined ? { bindings, i } : { bindings, ...best, i }
  })
  scored.sort((a, b) => {
    if (a.score !== undefined && b.score !== undefined) return b.score - a.score || a.i - b.i
    if (a.score !== undefined) return -1
    if (b.score !== undefined) return 1
    return a.i - b.i
  })
  return {
    answers: scored.map(({ i: _i, ...a }) => a),
    unmatched: [...score].filter(([cid]) => !reached.has(cid)).map(([cid, s]) => ({ cid, score: s })),
  }
}

/** The logic commands on an opened node (`node.logic`). */
export function localLogicApi(node: Node): CliLogicApi {
  const logic = () => node.logic
  return {
    load: (program) => logic().load(program),
    query: (goal, options) => logic().query(goal, options),
    distributedQuery: (goal, options) => logic().distributedQuery(goal, options),
    prove: (goal, options) => logic().prove(goal, options),
    addFact: (text) => logic().addFact(text),
    addRule: (text) => logic().addRule(text),
    stats: async () => logic().stats(),
    publish: (text) => logic().publish(text),
    fetch: (cids) => logic().fetch(cids),
    async hybrid(goal, options) {
      const answers = await logic().query(goal, options)
      if (options.semantic === undefined) return combineHybrid(answers, [])
      const hits = await node.semantic.query(options.semantic, options.topK ?? 10)
      return combineHybrid(answers, hits)
    },
  }
}

/** One multipart part holding `text`, for commands whose input may be too long for a URL. */
function textPart(text: string) {
  return (async function* () {
    yield {
      path: 'program.pl',
      content: (async function* () {
        yield new TextEncoder().encode(text)
      })(),
    }
  })()
}

/** The logic commands through a daemon's RPC API. */
export function remoteLogicApi(api: ApiClient): CliLogicApi {
  const q = (options: CliQueryOptions) => ({ limit: options.limit, 'timeout-ms': options.timeoutMs })
  return {
    load: (program) => api.json('logic/load', {}, { parts: textPart(program) }),
    query: async (goal, options) =>
      (await api.json<{ Answers: Array<Record<string, string>> }>('logic/query', { arg: goal, ...q(options) })).Answers,
    distributedQuery: async (goal, options) =>
      (
        await api.json<{ Answers: LogicDistributedAnswer[] }>('logic/query', {
          arg: goal,
          network: true,
          ...q(options),
        })
      ).Answers,
    prove: async (goal, options) =>
      (await api.json<{ Proof: ProofTree | null }>('logic/prove', { arg: goal, ...q(options) })).Proof,
    addFact: async (text) => (await api.json<{ Cid: string }>('logic/add-fact', { arg: text })).Cid,
    addRule: async (text) => (await api.json<{ Cid: string }>('logic/add-rule', { arg: text })).Cid,
    stats: () => api.json<LogicStats>('logic/stats'),
    publish: async (text) => (await api.json<{ Cids: string[] }>('logic/publish', {}, { parts: textPart(text) })).Cids,
    fetch: async (cids) => (await api.json<{ Clauses: string[] }>('logic/fetch', { arg: cids })).Clauses,
    hybrid: (goal, options) =>
      api.json<HybridResult>('logic/hybrid', {
        arg: goal,
        semantic: options.semantic,
        'top-k': options.topK,
        ...q(options),
      }),
  }
}

/** The text of the request's single multipart part (at most `max` bytes). */
async function bodyText(req: Parameters<RpcCommand>[0]['req'], max: number): Promise<string> {
  for await (const part of multipartParts(req, { maxParts: 1 })) {
    if (part.content == null) continue
    const chunks: Uint8Array[] = []
    let size = 0
    for await (const c of part.content) {
      size += c.byteLength
      if (size > max) throw new InvalidParameterError('program', `larger than ${max} bytes`)
      chunks.push(c)
    }
    return Buffer.concat(chunks).toString('utf8')
  }
  throw new InvalidParameterError('program', 'no program text in the request')
}

/** The daemon's `logic/*` RPC commands, served from `node.logic`. */
export function logicRpcCommands(node: Node): Record<string, RpcCommand> {
  const local = localLogicApi(node)
  const opts = (params: Parameters<RpcCommand>[0]['params']): CliQueryOptions => {
    const limit = params.int('limit')
    const timeoutMs = params.int('timeout-ms')
    return { ...(limit != null ? { limit } : {}), ...(timeoutMs != null ? { timeoutMs } : {}) }
  }
  return {
    'logic/load': async ({ req, res, maxBodyBytes }) =>
      sendJson(res, await local.load(await bodyText(req, maxBodyBytes))),
    'logic/query': async ({ params, res }) => {
      const goal = params.arg('goal')
      if (params.bool('network', false)) sendJson(res, { Answers: await local.distributedQuery(goal, opts(params)) })
      else sendJson(res, { Answers: await local.query(goal, opts(params)) })
    },
    'logic/prove': async ({ params, res }) =>
      sendJson(res, { Proof: await local.prove(params.arg('goal'), opts(params)) }),
    'logic/add-fact': async ({ params, res }) => sendJson(res, { Cid: await local.addFact(params.arg('fact')) }),
    'logic/add-rule': async ({ params, res }) => sendJson(res, { Cid: await local.addRule(params.arg('rule')) }),
    'logic/stats': async ({ res }) => sendJson(res, await local.stats()),
    'logic/publish': async ({ req, res, maxBodyBytes }) =>
      sendJson(res, { Cids: await local.publish(await bodyText(req, maxBodyBytes)) }),
    'logic/fetch': async ({ params, res }) => sendJson(res, { Clauses: await local.fetch(params.args()) }),
    'logic/hybrid': async ({ params, res }) => {
      const semantic = params.string('semantic')
      const topK = params.int('top-k')
      sendJson(
        res,
        await local.hybrid(params.arg('goal'), {
          ...opts(params),
          ...(semantic != null ? { semantic } : {}),
          ...(topK != null ? { topK } : {}),
        }),
      )
    },
  }
}
