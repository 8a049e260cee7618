import type {
  HybridOptions,
  HybridResult,
  LocalNodeApi,
  LogicDistributedAnswer,
  LogicStats,
  ProofTree,
} from '@ipfrs/node-api'
import type { ApiClient } from './api-client.js'

/** Limits of one `logic query`/`prove`. */
export interface CliQueryOptions {
  limit?: number
  timeoutMs?: number
}

export type { HybridOptions, HybridResult }

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

/** The logic commands on an opened node (`node.logic`). */
export function localLogicApi(node: LocalNodeApi): CliLogicApi {
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
    hybrid: (goal, options) => node.hybridQuery(goal, options),
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
