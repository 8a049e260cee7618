import { randomBytes } from 'node:crypto'
import type { Network } from '@ipfrs/network'
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { decodeClause, encodeClause, readBlock } from './encoding.js'
import { KnowledgeBase } from './knowledge-base.js'
import { parseClause, parseTerm } from './parser.js'
import { printTerm } from './printer.js'
import { type Answer, Solver } from './solver.js'
import { type Clause, canonicalClause, mapVars, type Term, v, variables } from './terms.js'

/** The GossipSub topic of distributed queries and their answers (fixed: the interoperability contract). */
export const TENSORLOGIC_TOPIC = '/ipfrs/tensorlogic/1.0.0'

/** Dependencies and limits of a {@link DistributedReasoner}. */
export interface DistributedReasonerInit {
  network: Network
  kb: KnowledgeBase
  /** Messages larger than this are ignored and never sent (default 64 KiB). */
  maxMessageBytes?: number
  /** Time this node spends answering one remote query (default 2,000 ms). */
  answerTimeoutMs?: number
  /** Most answers this node sends for one remote query (default 1,000). */
  maxAnswers?: number
  /** Remote queries answered at the same time; more are dropped (default 4). */
  maxConcurrent?: number
}

/** Options of {@link DistributedReasoner.distributedInfer}. */
export interface DistributedInferOptions {
  /** How long to collect answers (default 3,000 ms). */
  timeoutMs?: number
  /** Answers asked of each peer (default 1,000). */
  limit?: number
  /** Include this node's own answers (default true). */
  includeLocal?: boolean
  signal?: AbortSignal
}

/** A merged answer: the goal as instantiated, the bindings of its named variables, and who gave it. */
export interface DistributedAnswer {
  readonly answer: Term
  readonly bindings: Answer
  /** Peer IDs that sent it (`'local'` for this node). */
  readonly from: string[]
}

interface QueryMsg {
  type: 'query'
  id: string
  goal: string
  limit: number
}
interface AnswerMsg {
  type: 'answer'
  id: string
  answers: string[]
}

const ID = /^[0-9a-f]{32}$/
const MAX_TEXT = 16 * 1024

/** Parses and validates one topic message; `undefined` for anything malformed. */
function readMessage(data: Uint8Array, maxBytes: number): QueryMsg | AnswerMsg | undefined {
  if (data.length > maxBytes) return undefined
  let m: Record<string, unknown>
  try {
    m = dagCbor.decode(data) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (m === null || typeof m !== 'object' || typeof m.id !== 'string' || !ID.test(m.id)) return undefined
  if (m.type === 'query' && typeof m.goal === 'string' && m.goal.length <= MAX_TEXT) {
    if (typeof m.limit !== 'number' || !Number.isSafeInteger(m.limit) || m.limit < 1) return undefined
    return { type: 'query', id: m.id, goal: m.goal, limit: m.limit }
  }
  if (
    m.type === 'answer' &&
    Array.isArray(m.answers) &&
    m.answers.every((a) => typeof a === 'string' && a.length <= MAX_TEXT)
  )
    return { type: 'answer', id: m.id, answers: m.answers as string[] }
  return undefined
}

/** A variant-invariant key of a term (variables renamed in order of appearance). */
function answerKey(t: Term): string {
  return printTerm(canonicalClause({ head: { kind: 'atom', name: 'k' }, body: t }).body)
}

/**
 * Distributed reasoning over an `@ipfrs/network` Network: rules travel as content-addressed blocks (stored,
 * provided, fetched over Bitswap and hash-verified), and queries go out on the GossipSub topic
 * {@link TENSORLOGIC_TOPIC}; every peer running a reasoner answers from its own knowledge base (with its own time and
 * answer limits) on the same topic, tagged with the query id, and the asker merges and deduplicates the answers that
 * arrive within its timeout. Malformed or oversized messages are ignored.
 */
export class DistributedReasoner {
  readonly network: Network
  readonly kb: KnowledgeBase
  readonly #maxBytes: number
  readonly #answerTimeoutMs: number
  readonly #maxAnswers: number
  readonly #maxConcurrent: number
  readonly #pending = new Map<string, (answers: string[], from: string) => void>()
  readonly #seen = new Set<string>()
  #running = 0
  #unsubscribe: (() => void) | undefined

  constructor(init: DistributedReasonerInit) {
    this.network = init.network
    this.kb = init.kb
    this.#maxBytes = init.maxMessageBytes ?? 64 * 1024
    this.#answerTimeoutMs = init.answerTimeoutMs ?? 2000
    this.#maxAnswers = init.maxAnswers ?? 1000
    this.#maxConcurrent = init.maxConcurrent ?? 4
  }

  /** Subscribes to the topic: from now on this node answers queries and receives answers. */
  start(): void {
    this.#unsubscribe ??= this.network.subscribe(TENSORLOGIC_TOPIC, (data, from) => this.#onMessage(data, from))
  }

  stop(): void {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    this.#pending.clear()
  }

  #onMessage(data: Uint8Array, from: string): void {
    const m = readMessage(data, this.#maxBytes)
    if (m === undefined) return
    if (m.type === 'answer') {
      this.#pending.get(m.id)?.(m.answers, from)
      return
    }
    if (this.#seen.has(m.id) || this.#running >= this.#maxConcurrent) return
    this.#seen.add(m.id)
    if (this.#seen.size > 10_000) this.#seen.delete(this.#seen.values().next().value as string)
    this.#running++
    void this.#answer(m)
      .catch(() => undefined)
      .finally(() => this.#running--)
  }

  async #answer(m: QueryMsg): Promise<void> {
    const answers = await this.#localAnswers(m.goal, Math.min(m.limit, this.#maxAnswers), this.#answerTimeoutMs)
    let batch: string[] = []
    let size = 64
    const send = async () => {
      await this.#publish({ type: 'answer', id: m.id, answers: batch })
      batch = []
      size = 64
    }
    for (const a of answers) {
      const text = printTerm(a)
      if (text.length > MAX_TEXT) continue
      if (size + text.length + 8 > this.#maxBytes && batch.length > 0) await send()
      batch.push(text)
      size += Buffer.byteLength(text) + 8
    }
    if (batch.length > 0) await send()
  }

  /** The instantiated goals this node's KB proves (errors and timeouts give what was found so far, or nothing). */
  async #localAnswers(goalText: string, limit: number, timeoutMs: number): Promise<Term[]> {
    const out: Term[] = []
    try {
      const names = variables(parseTerm(goalText))
      const goal = mapVars(parseTerm(goalText), (n) => v(`V${names.indexOf(n)}`))
      const solver = new Solver(this.kb)
      for await (const b of solver.solve(goal, { limit, timeoutMs, maxDepth: 10_000 })) out.push(substitute(goal, b))
    } catch {
      // a bad goal, an unknown predicate or a timeout: answer with what was found
    }
    return out
  }

  async #publish(m: QueryMsg | AnswerMsg): Promise<void> {
    const bytes = dagCbor.encode(m)
    if (bytes.length > this.#maxBytes) return
    try {
      await this.network.publish(TENSORLOGIC_TOPIC, bytes)
    } catch {
      // no peer subscribed yet: nobody to tell
    }
  }

  /**
   * Asks every peer on the topic (and this node) for answers to `goal` and merges them: each distinct answer (up to
   * variable renaming) once, with the peers that gave it. Resolves after `timeoutMs`.
   */
  async distributedInfer(goal: string | Term, options: DistributedInferOptions = {}): Promise<DistributedAnswer[]> {
    const term = typeof goal === 'string' ? parseTerm(goal) : goal
    const text = printTerm(term)
    const limit = options.limit ?? 1000
    const id = randomBytes(16).toString('hex')
    const merged = new Map<string, { answer: Term; bindings: Answer; from: string[] }>()
    const add = (answer: Term, from: string) => {
      const key = answerKey(answer)
      const known = merged.get(key)
      if (known !== undefined) {
        if (!known.from.includes(from)) known.from.push(from)
        return
      }
      const apart = mapVars(answer, (n) => v(`_A${n}`))
      const bindings = new Solver(EMPTY).allSync({ kind: 'compound', name: '=', args: [term, apart] }, { limit: 1 })[0]
      if (bindings !== undefined) merged.set(key, { answer, bindings, from: [from] })
    }
    this.#pending.set(id, (answers, from) => {
      for (const a of answers.slice(0, limit)) {
        try {
          add(parseTerm(a), from)
        } catch {
          // an answer that does not parse or does not match the goal is dropped
        }
      }
    })
    try {
      await this.#publish({ type: 'query', id, goal: text, limit })
      const timeoutMs = options.timeoutMs ?? 3000
      const local = options.includeLocal === false ? [] : await this.#localAnswers(text, limit, timeoutMs)
      for (const a of local) add(a, 'local')
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs)
        options.signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer)
            resolve()
          },
          { once: true },
        )
      })
    } finally {
      this.#pending.delete(id)
    }
    return [...merged.values()]
  }

  /** Stores a rule or fact (clause or text) in the node's blockstore and provides it; returns its CID. */
  async publishRule(rule: Clause | string, options: { signal?: AbortSignal } = {}): Promise<CID> {
    const clause = typeof rule === 'string' ? parseClause(rule) : rule
    const { cid, bytes } = encodeClause(clause)
    await this.network.helia.blockstore.put(cid, bytes, options)
    await this.network.provide(cid, options)
    return cid
  }

  /** Fetches a clause block (locally or from peers over Bitswap), verifying its hash and shape. */
  async fetchRule(cid: CID, options: { signal?: AbortSignal } = {}): Promise<Clause> {
    return decodeClause(cid, await readBlock(this.network.session(cid, options), cid, options))
  }

  /** Fetches clauses by CID and adds them to the knowledge base (all fetched before any is added). */
  async importRulesFromCids(cids: readonly CID[], options: { signal?: AbortSignal } = {}): Promise<Clause[]> {
    const clauses = await Promise.all(cids.map((c) => this.fetchRule(c, options)))
    for (const c of clauses) this.kb.add(c)
    return clauses
  }
}

const EMPTY = new KnowledgeBase()

/** The goal with the answer's bindings applied. */
function substitute(goal: Term, b: Answer): Term {
  if (goal.kind === 'var') return b[goal.name] ?? goal
  if (goal.kind !== 'compound') return goal
  return { kind: 'compound', name: goal.name, args: goal.args.map((a) => substitute(a, b)) }
}
