/**
 * TensorLogic in a node: a knowledge base kept in the repo (snapshotted to IPLD blocks, root CID in
 * `<repo>/tensorlogic/root`: {@link LogicSnapshots}), queried locally, and — online — shared with peers (rules over
 * Bitswap, queries over GossipSub: {@link LogicPeers}).
 */
import { formatCid } from '@ipfrs/core'
import type { Network } from '@ipfrs/network'
import type { Repo } from '@ipfrs/storage'
import {
  type Clause,
  clauseCid,
  InvalidClauseError,
  isFact,
  type KbStats,
  KnowledgeBase,
  parseClause,
  parseProgram,
  printClause,
} from '@ipfrs/tensorlogic'
import { type DistributedQueryOptions, type LogicDistributedAnswer, LogicPeers } from './logic-peers.js'
import { LogicSnapshots } from './logic-snapshot.js'
import { type ProofTree, printed, proofStep } from './logic-text.js'

/** Limits of one query (see the solver's `QueryOptions`). */
export interface LogicQueryOptions {
  /** Stop after this many answers (default: all). */
  limit?: number
  /** Wall-clock limit; past it the query fails with `ERR_TIMEOUT`. */
  timeoutMs?: number
  /** Deepest proof allowed (nested resolution steps); deeper fails with `ERR_DEPTH_LIMIT`. */
  maxDepth?: number
  /** Aborting ends the query with `ERR_TIMEOUT`. */
  signal?: AbortSignal
}

/** Knowledge-base counts and the root CID of the last snapshot (saved or restored). */
export interface LogicStats extends KbStats {
  root?: string
  /** Why the snapshot could not be restored when the node started (the KB then started empty). */
  restoreError?: string
}

/**
 * The knowledge base of a started node (`node.logic`). Mutations (add, load, restore, save, fetch) run one at a time;
 * queries run against the KB as it is when they start.
 */
export class LogicLayer {
  readonly #snapshots: LogicSnapshots
  readonly #peers: LogicPeers
  #kb = new KnowledgeBase()
  #root: string | undefined
  #restoreError: string | undefined
  /** KB version at the last save/restore (a new, empty KB counts as saved). */
  #savedVersion = 0
  #cids: Set<string> | undefined
  #queue: Promise<unknown> = Promise.resolve()

  /** A layer over `repo`; with `network`, it also answers peers' queries (call {@link open}). */
  constructor(repo: Repo, network?: Network) {
    this.#snapshots = new LogicSnapshots(repo)
    this.#peers = new LogicPeers(repo, network)
  }

  /** Whether the KB changed since the last save or restore (`node.stop()` saves only then). */
  get changed(): boolean {
    return this.#kb.version !== this.#savedVersion
  }

  /** Where the root CID of the last snapshot is kept. */
  get rootFile(): string {
    return this.#snapshots.rootFile
  }

  /**
   * Restores the snapshot named by the root file (when there is one) and, online, starts answering peers. A snapshot
   * that cannot be read leaves the KB empty, is reported by `stats().restoreError`, and is not overwritten by `save()`
   * until the KB is changed.
   */
  async open(): Promise<void> {
    const root = await this.#snapshots.readRootFile()
    if (root !== undefined) {
      try {
        await this.restore(root)
      } catch (err) {
        this.#root = root
        this.#restoreError = err instanceof Error ? err.message : String(err)
      }
    }
    this.#peers.answer(this.#kb)
  }

  /** Stops answering peers (the KB stays in memory; call {@link save} first to keep changes). */
  close(): void {
    this.#peers.close()
  }

  /** Runs `fn` after every earlier mutation has finished. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => undefined)
    return run
  }

  #add(clause: Clause): string {
    const cid = formatCid(clauseCid(clause))
    this.#kb.add(clause)
    this.#cids?.add(cid)
    return cid
  }

  /** Adds one fact (`parent(tom, bob).`); returns its clause CID. A rule is `ERR_INVALID_CLAUSE`, bad text `ERR_PARSE`. */
  async addFact(text: string): Promise<string> {
    const clause = parseClause(text)
    if (!isFact(clause)) throw new InvalidClauseError(`not a fact (it has a body): ${text.trim()}`)
    return this.#serial(async () => this.#add(clause))
  }

  /** Adds one rule (`g(X, Z) :- p(X, Y), p(Y, Z).`); returns its clause CID. A fact is `ERR_INVALID_CLAUSE`. */
  async addRule(text: string): Promise<string> {
    const clause = parseClause(text)
    if (isFact(clause)) throw new InvalidClauseError(`not a rule (it has no body): ${text.trim()}`)
    return this.#serial(async () => this.#add(clause))
  }

  /** Adds a whole program (clauses and `:- table`/`:- dynamic` directives); the text is parsed before anything is added. */
  async load(program: string): Promise<{ clauses: number }> {
    const parsed = parseProgram(program)
    return this.#serial(async () => {
      const clauses = this.#kb.consult(parsed)
      this.#cids = undefined
      return { clauses }
    })
  }

  /** Every solution of `goal` (or the first `limit`) as variable name → printed term. */
  async query(goal: string, options: LogicQueryOptions = {}): Promise<Array<Record<string, string>>> {
    return (await this.#kb.query(goal, options)).map(printed)
  }

  /** The proof of the first solution, or null when there is none. */
  async prove(goal: string, options: LogicQueryOptions = {}): Promise<ProofTree | null> {
    const found = await this.#kb.prove(goal, options)
    if (found === undefined) return null
    return { bindings: printed(found.bindings), proof: found.proof.map(proofStep) }
  }

  /** Fact, rule, predicate and table counts, and the root CID of the last snapshot. */
  stats(): LogicStats {
    const out: LogicStats = { ...this.#kb.stats() }
    if (this.#root !== undefined) out.root = this.#root
    if (this.#restoreError !== undefined) out.restoreError = this.#restoreError
    return out
  }

  /**
   * Snapshots the KB into the repo's blockstore (pinned, the previous snapshot unpinned) and writes its root CID
   * atomically to `<repo>/tensorlogic/root`; returns the root CID. Unchanged since the last save/restore: no work.
   */
  save(): Promise<string> {
    return this.#serial(async () => {
      const kb = this.#kb
      if (this.#root !== undefined && this.#savedVersion === kb.version) return this.#root
      const root = await this.#snapshots.write(kb)
      const text = formatCid(root)
      await this.#snapshots.writeRootFile(text)
      const previous = this.#root
      this.#root = text
      this.#restoreError = undefined
      this.#savedVersion = kb.version
      if (previous !== undefined && previous !== text) {
        await this.#snapshots.unpin(previous)
      }
      return text
    })
  }

  /**
   * Replaces the KB with the snapshot at `root` (default: the CID in the root file). Every block is hash-checked and
   * validated first: a missing block is `ERR_RULE_NOT_FOUND`, a bad one `ERR_INVALID_RULE_BLOCK`, and the current KB
   * stays as it was.
   */
  restore(root?: string): Promise<void> {
    return this.#serial(async () => {
      const text = root ?? (await this.#snapshots.readRootFile())
      if (text === undefined)
        throw new InvalidClauseError(`no knowledge-base snapshot: ${this.rootFile} does not exist`)
      const kb = await this.#snapshots.read(text)
      this.#kb = kb
      this.#cids = undefined
      this.#root = text
      this.#restoreError = undefined
      this.#savedVersion = kb.version
      if (this.#peers.answering) this.#peers.answer(kb)
    })
  }

  /**
   * Stores clauses (one clause or a whole program text) as blocks in the repo, pinned, and — online — starts
   * providing them (in the background) so peers can find them; returns their CIDs. Peers already connected can fetch
   * them over Bitswap at once. The local KB is not changed (use {@link load} for that).
   */
  publish(text: string): Promise<string[]> {
    return this.#peers.publish(text)
  }

  /**
   * Fetches clause blocks by CID (from the repo, or online from peers over a Bitswap session), hash-checks and
   * validates them, stores and pins them, and adds to the KB those it does not already hold. All are fetched before
   * any is added. Returns the clauses as text.
   */
  async fetch(cids: readonly string[], options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const clauses = await this.#peers.fetch(cids, options)
    await this.#serial(async () => {
      this.#cids ??= new Set(this.#kb.clauses().map((c) => formatCid(clauseCid(c))))
      for (const c of clauses) if (!this.#cids.has(formatCid(clauseCid(c)))) this.#add(c)
    })
    return clauses.map((c) => printClause(c))
  }

  /**
   * Asks every peer on `/ipfrs/tensorlogic/1.0.0` (and this node) for answers to `goal`; answers arriving within
   * `timeoutMs` are merged (each once, up to variable renaming, with who gave it). Online only (`ERR_OFFLINE`).
   */
  async distributedQuery(goal: string, options: DistributedQueryOptions = {}): Promise<LogicDistributedAnswer[]> {
    return this.#peers.distributedQuery(goal, options)
  }

  /**
   * Waits (up to `timeoutMs`) until at least one peer subscribes to the TensorLogic topic, so that a node that has
   * just come online is heard by `distributedQuery`; returns how many peers are subscribed (0 offline).
   */
  async awaitPeers(timeoutMs: number): Promise<number> {
    return this.#peers.awaitPeers(timeoutMs)
  }
}
