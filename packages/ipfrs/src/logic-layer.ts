/**
 * TensorLogic in a node: a knowledge base kept in the repo (snapshotted to IPLD blocks, root CID in
 * `<repo>/tensorlogic/root`: {@link LogicSnapshots}), queried locally, and — online — shared with peers (rules over
 * Bitswap, queries over GossipSub: {@link LogicPeers}).
 */
import { formatCid, IpfrsError, isIpfrsError } from '@ipfrs/core'
import type { Network } from '@ipfrs/network'
import type { LogicApi, LogicQueryOptions, LogicStats, ProofTree } from '@ipfrs/node-api'
import type { Repo } from '@ipfrs/storage'
import type { Clause, KbStats, KnowledgeBase } from '@ipfrs/tensorlogic'
import type { DistributedQueryOptions, LogicDistributedAnswer, LogicPeers } from './logic-peers.js'
import { LogicSnapshots } from './logic-snapshot.js'

/** The solver, the printers and the peer side: loaded when a node first uses its KB (see {@link LogicLayer}). */
async function loadEngine() {
  const [tensorlogic, text, peers] = await Promise.all([
    import('@ipfrs/tensorlogic'),
    import('./logic-text.js'),
    import('./logic-peers.js'),
  ])
  return { ...tensorlogic, printed: text.printed, proofStep: text.proofStep, LogicPeers: peers.LogicPeers }
}
type Engine = Awaited<ReturnType<typeof loadEngine>>
let engine: Promise<Engine> | undefined
const loaded = (): Promise<Engine> => {
  engine ??= loadEngine()
  return engine
}

/** A synchronous KB call while the KB is not ready for one (see `LogicLayer.ready`): `ERR_LOGIC_NOT_READY`. */
export class LogicNotReadyError extends IpfrsError {
  static override readonly httpStatus = 409
  static readonly code = 'ERR_LOGIC_NOT_READY'
  constructor(why: string) {
    super(LogicNotReadyError.code, `the knowledge base is not ready for a synchronous call: ${why}`)
  }
}

/** What `KnowledgeBase.stats()` says of an empty KB: the counts of a KB not made yet. */
const EMPTY_STATS: KbStats = { clauses: 0, facts: 0, rules: 0, predicates: 0, tabled: 0 }

/** Limits of one query, and the KB's counts (the contract's types). */
export type { LogicQueryOptions, LogicStats } from '@ipfrs/node-api'

/**
 * The knowledge base of a started node (`node.logic`). Mutations (add, load, restore, save, fetch) run one at a time;
 * queries run against the KB as it is when they start. The solver (@ipfrs/tensorlogic) is loaded when the KB is first
 * used, or at {@link open} when there is a snapshot to restore or a network to answer: until then the KB is empty and
 * unchanged, so an offline node that never touches it (`ipfrs add`) neither loads nor saves it.
 */
export class LogicLayer implements LogicApi {
  readonly #repo: Repo
  readonly #network: Network | undefined
  readonly #snapshots: LogicSnapshots
  #peers: LogicPeers | undefined
  #closed = false
  /** Undefined until first used: the empty KB. */
  #kb: KnowledgeBase | undefined
  #root: string | undefined
  #restoreError: string | undefined
  /** The background restore started by {@link open}, and the counts its snapshot root records, while it runs. */
  #restoring: Promise<void> | undefined
  #pending: KbStats | undefined
  /** KB version at the last save/restore (a new, empty KB counts as saved). */
  #savedVersion = 0
  #cids: Set<string> | undefined
  #queue: Promise<unknown> = Promise.resolve()
  /** The solver once loaded (synchronous calls need it), and how many mutations are queued or running. */
  #engine: Engine | undefined
  #busy = 0
  /** Local queries and proofs running now (`stats().activeQueries`). */
  #active = 0

  /** A layer over `repo`; with `network`, it also answers peers' queries (call {@link open}). */
  constructor(repo: Repo, network?: Network) {
    this.#repo = repo
    this.#network = network
    this.#snapshots = new LogicSnapshots(repo)
  }

  /** Whether the KB changed since the last save or restore (`node.stop()` saves only then). */
  get changed(): boolean {
    return this.#kb !== undefined && this.#kb.version !== this.#savedVersion
  }

  /** Where the root CID of the last snapshot is kept. */
  get rootFile(): string {
    return this.#snapshots.rootFile
  }

  /**
   * Restores the snapshot named by the root file (when there is one) and, online, starts answering peers. A snapshot
   * whose root records the KB's counts is restored in the background (start does not grow with the KB): `stats()`
   * reports the recorded counts meanwhile, and queries and changes wait for it. A snapshot that cannot be read
   * leaves the KB empty, is reported by `stats().restoreError`, and is not overwritten by `save()` until the KB is
   * changed.
   */
  async open(): Promise<void> {
    const root = await this.#snapshots.readRootFile()
    if (root !== undefined) {
      const counts = await this.#snapshots.counts(root).catch(() => undefined)
      const restoring = this.restore(root).catch((err: unknown) => {
        this.#root = root
        this.#restoreError = err instanceof Error ? err.message : String(err)
      })
      if (counts === undefined)
        await restoring // a root from before counts were recorded: restored at once
      else {
        this.#root = root
        this.#pending = counts
        this.#restoring = restoring.finally(() => {
          this.#pending = undefined
          this.#restoring = undefined
        })
      }
    }
    // offline there is no one to answer (and nothing to load yet); a background restore answers with its KB when done
    if (this.#network != null) {
      const { KnowledgeBase } = await loaded()
      this.#kb ??= new KnowledgeBase() // replaced by the restored KB (which is then answered from) when it is read
      ;(await this.#peerSide()).answer(this.#kb)
    }
  }

  /** Resolves once a background restore started by {@link open} has ended (at once when none runs). */
  async settled(): Promise<void> {
    await this.#restoring
  }

  /** Stops answering peers (the KB stays in memory; call {@link save} first to keep changes). */
  close(): void {
    this.#closed = true
    this.#peers?.close()
  }

  /** The KB, made (empty) when first needed; after the background restore, if one runs. */
  async #knowledgeBase(): Promise<KnowledgeBase> {
    await this.#restoring
    const { KnowledgeBase } = await loaded()
    this.#kb ??= new KnowledgeBase()
    return this.#kb
  }

  /** Publishing, fetching and peers' queries, made when first needed (closed already if the layer is). */
  async #peerSide(): Promise<LogicPeers> {
    const { LogicPeers } = await loaded()
    if (this.#peers === undefined) {
      this.#peers = new LogicPeers(this.#repo, this.#network)
      if (this.#closed) this.#peers.close()
    }
    return this.#peers
  }

  /** Runs `fn` after every earlier mutation has finished. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    this.#busy++
    const run = this.#queue.then(fn, fn).finally(() => this.#busy--)
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #add(clause: Clause): Promise<string> {
    const e = await loaded()
    return this.#addNow(e, await this.#knowledgeBase(), clause)
  }

  #addNow(e: Engine, kb: KnowledgeBase, clause: Clause): string {
    const cid = formatCid(e.clauseCid(clause))
    kb.add(clause)
    this.#cids?.add(cid)
    return cid
  }

  /** Loads the solver and waits for a background restore: after it, the synchronous calls (`…Sync`) can run. */
  async ready(): Promise<void> {
    this.#engine = await loaded()
    await this.#knowledgeBase()
  }

  /** The solver and KB for a synchronous call: `ERR_LOGIC_NOT_READY` before {@link ready} or while a mutation runs. */
  #now(): { e: Engine; kb: KnowledgeBase } {
    if (this.#engine === undefined || this.#kb === undefined) throw new LogicNotReadyError('await ready() first')
    if (this.#restoring !== undefined || this.#busy > 0) throw new LogicNotReadyError('a change is in progress')
    return { e: this.#engine, kb: this.#kb }
  }

  /** {@link addFact} (or, with `rule`, {@link addRule}) synchronously. */
  addSync(text: string, rule = false): string {
    const { e, kb } = this.#now()
    const clause = e.parseClause(text)
    if (e.isFact(clause) === rule)
      throw new e.InvalidClauseError(
        `${rule ? 'not a rule (it has no body)' : 'not a fact (it has a body)'}: ${text.trim()}`,
      )
    return this.#addNow(e, kb, clause)
  }

  /** {@link query} synchronously (`signal` cannot fire during it; `timeoutMs` and the config's limit apply). */
  querySync(goal: string, options: LogicQueryOptions = {}): Array<Record<string, string>> {
    const { e, kb } = this.#now()
    return new e.Solver(kb).allSync(goal, this.#withLimit(options)).map(e.printed)
  }

  /** {@link prove} synchronously. */
  proveSync(goal: string, options: LogicQueryOptions = {}): ProofTree | null {
    const { e, kb } = this.#now()
    const found = new e.Solver(kb).proveSync(goal, this.#withLimit(options))
    return found === undefined ? null : { bindings: e.printed(found.bindings), proof: found.proof.map(e.proofStep) }
  }

  #withLimit(options: LogicQueryOptions): LogicQueryOptions {
    const limit = this.#repo.config.Logic.QueryTimeoutMs
    return options.timeoutMs === undefined && limit !== undefined ? { ...options, timeoutMs: limit } : options
  }

  /** Adds one fact (`parent(tom, bob).`); returns its clause CID. A rule is `ERR_INVALID_CLAUSE`, bad text `ERR_PARSE`. */
  async addFact(text: string): Promise<string> {
    const { parseClause, isFact, InvalidClauseError } = await loaded()
    const clause = parseClause(text)
    if (!isFact(clause)) throw new InvalidClauseError(`not a fact (it has a body): ${text.trim()}`)
    return this.#serial(() => this.#add(clause))
  }

  /** Adds one rule (`g(X, Z) :- p(X, Y), p(Y, Z).`); returns its clause CID. A fact is `ERR_INVALID_CLAUSE`. */
  async addRule(text: string): Promise<string> {
    const { parseClause, isFact, InvalidClauseError } = await loaded()
    const clause = parseClause(text)
    if (isFact(clause)) throw new InvalidClauseError(`not a rule (it has no body): ${text.trim()}`)
    return this.#serial(() => this.#add(clause))
  }

  /** Adds a whole program (clauses and `:- table`/`:- dynamic` directives); the text is parsed before anything is added. */
  async load(program: string): Promise<{ clauses: number }> {
    const { parseProgram } = await loaded()
    const parsed = parseProgram(program)
    return this.#serial(async () => {
      const clauses = (await this.#knowledgeBase()).consult(parsed)
      this.#cids = undefined
      return { clauses }
    })
  }

  /**
   * Every solution of `goal` (or the first `limit`) as variable name → printed term. Without `timeoutMs`, the config's
   * `Logic.QueryTimeoutMs` limits it; past the limit, or when `signal` aborts, it fails with `QueryTimeoutError`.
   */
  async query(goal: string, options: LogicQueryOptions = {}): Promise<Array<Record<string, string>>> {
    return this.#limited(options, async (o) => {
      const { printed } = await loaded()
      return (await (await this.#knowledgeBase()).query(goal, o)).map(printed)
    })
  }

  /** The proof of the first solution, or null when there is none (limited as {@link query} is). */
  async prove(goal: string, options: LogicQueryOptions = {}): Promise<ProofTree | null> {
    return this.#limited(options, async (o) => {
      const { printed, proofStep } = await loaded()
      const found = await (await this.#knowledgeBase()).prove(goal, o)
      if (found === undefined) return null
      return { bindings: printed(found.bindings), proof: found.proof.map(proofStep) }
    })
  }

  /** Runs a query with the default time limit, counted in `activeQueries` while it runs. */
  async #limited<T>(options: LogicQueryOptions, run: (o: LogicQueryOptions) => Promise<T>): Promise<T> {
    const fallback = options.timeoutMs === undefined ? this.#repo.config.Logic.QueryTimeoutMs : undefined
    this.#active++
    try {
      return await run(fallback === undefined ? options : { ...options, timeoutMs: fallback })
    } catch (err) {
      if (fallback !== undefined && isIpfrsError(err, 'ERR_TIMEOUT') && options.signal?.aborted !== true) {
        const { QueryTimeoutError } = await loaded()
        throw new QueryTimeoutError(`query time limit exceeded (Logic.QueryTimeoutMs = ${fallback} ms)`, { cause: err })
      }
      throw err
    } finally {
      this.#active--
    }
  }

  /** Fact, rule, predicate and table counts, the root CID of the last snapshot, and the queries running now. */
  stats(): LogicStats {
    const out: LogicStats = { ...(this.#pending ?? this.#kb?.stats() ?? EMPTY_STATS), activeQueries: this.#active }
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
      const kb = await this.#knowledgeBase()
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
      if (text === undefined) {
        const { InvalidClauseError } = await loaded()
        throw new InvalidClauseError(`no knowledge-base snapshot: ${this.rootFile} does not exist`)
      }
      const kb = await this.#snapshots.read(text)
      this.#kb = kb
      this.#cids = undefined
      this.#root = text
      this.#restoreError = undefined
      this.#savedVersion = kb.version
      if (this.#peers?.answering === true) this.#peers.answer(kb)
    })
  }

  /**
   * Stores clauses (one clause or a whole program text) as blocks in the repo, pinned, and — online — starts
   * providing them (in the background) so peers can find them; returns their CIDs. Peers already connected can fetch
   * them over Bitswap at once. The local KB is not changed (use {@link load} for that).
   */
  async publish(text: string): Promise<string[]> {
    return (await this.#peerSide()).publish(text)
  }

  /**
   * Fetches clause blocks by CID (from the repo, or online from peers over a Bitswap session), hash-checks and
   * validates them, stores and pins them, and adds to the KB those it does not already hold. All are fetched before
   * any is added. Returns the clauses as text.
   */
  async fetch(cids: readonly string[], options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const { clauseCid, printClause } = await loaded()
    const clauses = await (await this.#peerSide()).fetch(cids, options)
    await this.#serial(async () => {
      const kb = await this.#knowledgeBase()
      this.#cids ??= new Set(kb.clauses().map((c) => formatCid(clauseCid(c))))
      for (const c of clauses) if (!this.#cids.has(formatCid(clauseCid(c)))) await this.#add(c)
    })
    return clauses.map((c) => printClause(c))
  }

  /**
   * Asks every peer on `/ipfrs/tensorlogic/1.0.0` (and this node) for answers to `goal`; answers arriving within
   * `timeoutMs` are merged (each once, up to variable renaming, with who gave it). Online only (`ERR_OFFLINE`).
   */
  async distributedQuery(goal: string, options: DistributedQueryOptions = {}): Promise<LogicDistributedAnswer[]> {
    return (await this.#peerSide()).distributedQuery(goal, options)
  }

  /**
   * Waits (up to `timeoutMs`) until at least one peer subscribes to the TensorLogic topic, so that a node that has
   * just come online is heard by `distributedQuery`; returns how many peers are subscribed (0 offline).
   */
  async awaitPeers(timeoutMs: number): Promise<number> {
    return (await this.#peerSide()).awaitPeers(timeoutMs)
  }
}
