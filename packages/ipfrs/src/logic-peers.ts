/**
 * Sharing a node's knowledge base with peers: clause blocks published and fetched over Bitswap (stored and pinned in
 * the repo), and queries answered and asked over GossipSub through a {@link DistributedReasoner}.
 */
import { type CID, formatCid, parseCid } from '@ipfrs/core'
import type { Network } from '@ipfrs/network'
import { OfflineError } from '@ipfrs/network/errors'
import type { DistributedQueryOptions, LogicDistributedAnswer } from '@ipfrs/node-api'
import type { Repo } from '@ipfrs/storage'
import {
  type Clause,
  DistributedReasoner,
  decodeClause,
  encodeClause,
  InvalidClauseError,
  type KnowledgeBase,
  parseProgram,
  printTerm,
  TENSORLOGIC_TOPIC,
} from '@ipfrs/tensorlogic'
import { printed } from './logic-text.js'

/** A merged answer of a distributed query, and its options (the contract's types). */
export type { DistributedQueryOptions, LogicDistributedAnswer } from '@ipfrs/node-api'

/** The peer side of a node's KB (`node.logic`); without a network only the repo side works. */
export class LogicPeers {
  readonly #repo: Repo
  readonly #network: Network | undefined
  #reasoner: DistributedReasoner | undefined
  readonly #closing = new AbortController()

  constructor(repo: Repo, network?: Network) {
    this.#repo = repo
    this.#network = network
  }

  /** Whether peers' queries are being answered. */
  get answering(): boolean {
    return this.#reasoner !== undefined
  }

  /** (Re)starts answering peers' queries from `kb` (online only; offline it only stops). */
  answer(kb: KnowledgeBase): void {
    this.#reasoner?.stop()
    this.#reasoner = undefined
    if (this.#network == null) return
    this.#reasoner = new DistributedReasoner({ network: this.#network, kb })
    this.#reasoner.start()
  }

  /** Stops answering peers and abandons the provides still running. */
  close(): void {
    this.#closing.abort()
    this.#reasoner?.stop()
    this.#reasoner = undefined
  }

  /**
   * Stores clauses (one clause or a whole program text) as blocks in the repo, pinned, and — online — starts
   * providing them (in the background) so peers can find them; returns their CIDs.
   */
  async publish(text: string): Promise<string[]> {
    const { clauses } = parseProgram(text)
    const repo = this.#repo
    const cids = await repo.gcLock.shared(async () => {
      const out: CID[] = []
      for (const c of clauses) {
        const { cid, bytes } = encodeClause(c)
        if (!(await repo.blockstore.has(cid))) await repo.blockstore.put(cid, bytes)
        await repo.pins.add(cid, { complete: true })
        out.push(cid)
      }
      return out
    })
    // provides go on in the background (the DHT may wait for peers); close() abandons those still running
    const network = this.#network
    const signal = this.#closing.signal
    if (network != null) for (const c of cids) void network.provide(c, { signal }).catch(() => undefined)
    return cids.map((c) => formatCid(c))
  }

  /**
   * Fetches clause blocks by CID (from the repo, or online from peers over a Bitswap session), hash-checks and
   * validates them, then stores and pins them all; returns the clauses, in the order asked.
   */
  async fetch(cids: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Clause[]> {
    const parsed = cids.map((c) => parseCid(c))
    const clauses = await Promise.all(parsed.map((cid) => this.#fetchOne(cid, options)))
    const repo = this.#repo
    await repo.gcLock.shared(async () => {
      for (const [i, c] of clauses.entries()) {
        const { cid, bytes } = encodeClause(c)
        if (!(await repo.blockstore.has(cid))) await repo.blockstore.put(cid, bytes)
        await repo.pins.add(parsed[i] ?? cid, { complete: true })
      }
    })
    return clauses
  }

  async #fetchOne(cid: CID, options: { signal?: AbortSignal }): Promise<Clause> {
    let clause: Clause
    if (await this.#repo.blockstore.has(cid)) {
      const parts: Uint8Array[] = []
      for await (const p of this.#repo.blockstore.get(cid, options)) parts.push(p)
      clause = decodeClause(cid, new Uint8Array(Buffer.concat(parts)))
    } else {
      if (this.#reasoner === undefined) throw new OfflineError(`rule ${formatCid(cid)}`)
      clause = await this.#reasoner.fetchRule(cid, options)
    }
    // clause blocks are canonical: the decoded clause encodes back to the very block asked for
    if (!encodeClause(clause).cid.equals(cid)) {
      throw new InvalidClauseError(`block ${formatCid(cid)} is not a canonical TensorLogic clause block`)
    }
    return clause
  }

  /** See {@link LogicLayer.distributedQuery}. */
  async distributedQuery(goal: string, options: DistributedQueryOptions = {}): Promise<LogicDistributedAnswer[]> {
    if (this.#reasoner === undefined) throw new OfflineError('distributed answers (the node was started offline)')
    const answers = await this.#reasoner.distributedInfer(goal, options)
    return answers.map((a) => ({ answer: printTerm(a.answer), bindings: printed(a.bindings), from: [...a.from] }))
  }

  /** See {@link LogicLayer.awaitPeers}. */
  async awaitPeers(timeoutMs: number): Promise<number> {
    const pubsub = this.#network?.libp2p.services.pubsub as { getSubscribers(topic: string): unknown[] } | undefined
    if (pubsub === undefined) return 0
    const deadline = Date.now() + timeoutMs
    while (pubsub.getSubscribers(TENSORLOGIC_TOPIC).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
    }
    return pubsub.getSubscribers(TENSORLOGIC_TOPIC).length
  }
}
