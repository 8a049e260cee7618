/**
 * TensorLogic in a node: a knowledge base kept in the repo (snapshotted to IPLD blocks, root CID in
 * `<repo>/tensorlogic/root`), queried locally, and — online — shared with peers (rules over Bitswap, queries over
 * GossipSub through a {@link DistributedReasoner}).
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { blockLinks, type CID, formatCid, isIpfrsError, parseCid } from '@ipfrs/core'
import { type Network, OfflineError } from '@ipfrs/network'
import type { Repo } from '@ipfrs/storage'
import {
  type Answer,
  type Clause,
  clauseCid,
  DistributedReasoner,
  decodeClause,
  encodeClause,
  InvalidClauseError,
  isFact,
  type KbStats,
  KnowledgeBase,
  type ProofNode,
  parseClause,
  parseProgram,
  printClause,
  printTerm,
  TENSORLOGIC_TOPIC,
} from '@ipfrs/tensorlogic'

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

/** One step of a proof as plain data: the goal as proven, how, the clause used, and its sub-proofs. */
export interface ProofStep {
  goal: string
  via: 'clause' | 'builtin' | 'table'
  clause?: string
  children: ProofStep[]
}

/** The proof of a goal's first solution: its bindings and one proof per top-level goal. */
export interface ProofTree {
  bindings: Record<string, string>
  proof: ProofStep[]
}

/** Knowledge-base counts and the root CID of the last snapshot (saved or restored). */
export interface LogicStats extends KbStats {
  root?: string
  /** Why the snapshot could not be restored when the node started (the KB then started empty). */
  restoreError?: string
}

/** A merged answer of {@link LogicLayer.distributedQuery}. */
export interface LogicDistributedAnswer {
  /** The goal as instantiated by this answer. */
  answer: string
  bindings: Record<string, string>
  /** Peer IDs that gave it (`'local'` for this node). */
  from: string[]
}

/** Options of {@link LogicLayer.distributedQuery}. */
export interface DistributedQueryOptions {
  /** How long to collect peers' answers (default 3,000 ms). */
  timeoutMs?: number
  /** Answers asked of each peer (default 1,000). */
  limit?: number
  /** Include this node's own answers (default true). */
  includeLocal?: boolean
  signal?: AbortSignal
}

/** Prints bindings as variable name → canonical term text. */
function printed(a: Answer): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, t] of Object.entries(a)) out[k] = printTerm(t)
  return out
}

/**
 * Reads every block reachable from `root` (32 at a time) into memory and serves them, falling back to `bs` for what
 * could not be read, so a restore does not wait for one file read per clause in turn. Verification stays with the
 * decoder, which hash-checks every block it is given.
 */
async function prefetched(bs: Repo['blockstore'], root: CID): Promise<Pick<Repo['blockstore'], 'get'>> {
  const cache = new Map<string, Uint8Array>()
  const seen = new Set<string>()
  const queue: CID[] = [root]
  for (let at = 0; at < queue.length; at += 32) {
    const batch = queue.slice(at, at + 32).filter((c) => !seen.has(c.toString()))
    for (const c of batch) seen.add(c.toString())
    const links = await Promise.all(
      batch.map(async (cid) => {
        try {
          const parts: Uint8Array[] = []
          for await (const p of bs.get(cid)) parts.push(p)
          const bytes = new Uint8Array(Buffer.concat(parts))
          cache.set(cid.toString(), bytes)
          return [...blockLinks(cid, bytes)]
        } catch {
          return [] // missing or undecodable: the restore itself reports it
        }
      }),
    )
    for (const l of links) for (const c of l) queue.push(c)
  }
  return {
    get: (cid, options) => {
      const bytes = cache.get(cid.toString())
      if (bytes === undefined) return bs.get(cid, options)
      return (async function* () {
        yield bytes
      })()
    },
  } as Pick<Repo['blockstore'], 'get'>
}

function proofStep(n: ProofNode): ProofStep {
  const step: ProofStep = { goal: printTerm(n.goal), via: n.via, children: n.children.map(proofStep) }
  if (n.clause !== undefined) step.clause = printClause(n.clause)
  return step
}

/**
 * The knowledge base of a started node (`node.logic`). Mutations (add, load, restore, save, fetch) run one at a time;
 * queries run against the KB as it is when they start.
 */
export class LogicLayer {
  readonly #repo: Repo
  readonly #network: Network | undefined
  #kb = new KnowledgeBase()
  #reasoner: DistributedReasoner | undefined
  #root: string | undefined
  #restoreError: string | undefined
  /** KB version at the last save/restore (a new, empty KB counts as saved). */
  #savedVersion = 0
  #cids: Set<string> | undefined
  #queue: Promise<unknown> = Promise.resolve()
  readonly #closing = new AbortController()

  /** A layer over `repo`; with `network`, it also answers peers' queries (call {@link open}). */
  constructor(repo: Repo, network?: Network) {
    this.#repo = repo
    this.#network = network
  }

  /** Whether the KB changed since the last save or restore (`node.stop()` saves only then). */
  get changed(): boolean {
    return this.#kb.version !== this.#savedVersion
  }

  /** Where the root CID of the last snapshot is kept. */
  get rootFile(): string {
    return join(this.#repo.path, 'tensorlogic', 'root')
  }

  /**
   * Restores the snapshot named by the root file (when there is one) and, online, starts answering peers. A snapshot
   * that cannot be read leaves the KB empty, is reported by `stats().restoreError`, and is not overwritten by `save()`
   * until the KB is changed.
   */
  async open(): Promise<void> {
    const root = await this.#readRootFile()
    if (root !== undefined) {
      try {
        await this.restore(root)
      } catch (err) {
        this.#root = root
        this.#restoreError = err instanceof Error ? err.message : String(err)
      }
    }
    this.#startReasoner()
  }

  /** Stops answering peers (the KB stays in memory; call {@link save} first to keep changes). */
  close(): void {
    this.#closing.abort()
    this.#reasoner?.stop()
    this.#reasoner = undefined
  }

  #startReasoner(): void {
    this.#reasoner?.stop()
    this.#reasoner = undefined
    if (this.#network == null) return
    this.#reasoner = new DistributedReasoner({ network: this.#network, kb: this.#kb })
    this.#reasoner.start()
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
      const repo = this.#repo
      const root = await repo.gcLock.shared(async () => {
        // clause blocks already stored (by an earlier snapshot) are not written again: saves are incremental;
        // up to 32 block writes run at once, all finished (or the first failure thrown) before the pin
        const writes = new Set<Promise<void>>()
        let failure: unknown
        const cid = await kb.snapshot({
          put: async (c, bytes) => {
            while (writes.size >= 32) await Promise.race(writes)
            const w: Promise<void> = (async () => {
              if (!(await repo.blockstore.has(c))) await repo.blockstore.put(c, bytes)
            })()
              .catch((err: unknown) => {
                failure ??= err
              })
              .finally(() => writes.delete(w))
            writes.add(w)
            return c
          },
        })
        await Promise.all(writes)
        if (failure !== undefined) throw failure
        await repo.pins.add(cid, { complete: true })
        return cid
      })
      const text = formatCid(root)
      await this.#writeRootFile(text)
      const previous = this.#root
      this.#root = text
      this.#restoreError = undefined
      this.#savedVersion = kb.version
      if (previous !== undefined && previous !== text) {
        await repo.pins.rm(parseCid(previous)).catch((err: unknown) => {
          if (!isIpfrsError(err, 'ERR_NOT_PINNED') && !isIpfrsError(err, 'ERR_INVALID_CID')) throw err
        })
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
      const text = root ?? (await this.#readRootFile())
      if (text === undefined)
        throw new InvalidClauseError(`no knowledge-base snapshot: ${this.rootFile} does not exist`)
      const kb = await KnowledgeBase.restore(await prefetched(this.#repo.blockstore, parseCid(text)), parseCid(text))
      this.#kb = kb
      this.#cids = undefined
      this.#root = text
      this.#restoreError = undefined
      this.#savedVersion = kb.version
      if (this.#reasoner !== undefined) this.#startReasoner()
    })
  }

  /**
   * Stores clauses (one clause or a whole program text) as blocks in the repo, pinned, and — online — starts
   * providing them (in the background) so peers can find them; returns their CIDs. Peers already connected can fetch
   * them over Bitswap at once. The local KB is not changed (use {@link load} for that).
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
   * validates them, stores and pins them, and adds to the KB those it does not already hold. All are fetched before
   * any is added. Returns the clauses as text.
   */
  async fetch(cids: readonly string[], options: { signal?: AbortSignal } = {}): Promise<string[]> {
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
    await this.#serial(async () => {
      this.#cids ??= new Set(this.#kb.clauses().map((c) => formatCid(clauseCid(c))))
      for (const c of clauses) if (!this.#cids.has(formatCid(clauseCid(c)))) this.#add(c)
    })
    return clauses.map((c) => printClause(c))
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

  /**
   * Asks every peer on `/ipfrs/tensorlogic/1.0.0` (and this node) for answers to `goal`; answers arriving within
   * `timeoutMs` are merged (each once, up to variable renaming, with who gave it). Online only (`ERR_OFFLINE`).
   */
  async distributedQuery(goal: string, options: DistributedQueryOptions = {}): Promise<LogicDistributedAnswer[]> {
    if (this.#reasoner === undefined) throw new OfflineError('distributed answers (the node was started offline)')
    const answers = await this.#reasoner.distributedInfer(goal, options)
    return answers.map((a) => ({ answer: printTerm(a.answer), bindings: printed(a.bindings), from: [...a.from] }))
  }

  /**
   * Waits (up to `timeoutMs`) until at least one peer subscribes to the TensorLogic topic, so that a node that has
   * just come online is heard by `distributedQuery`; returns how many peers are subscribed (0 offline).
   */
  async awaitPeers(timeoutMs: number): Promise<number> {
    const pubsub = this.#network?.libp2p.services.pubsub as { getSubscribers(topic: string): unknown[] } | undefined
    if (pubsub === undefined) return 0
    const deadline = Date.now() + timeoutMs
    while (pubsub.getSubscribers(TENSORLOGIC_TOPIC).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
    }
    return pubsub.getSubscribers(TENSORLOGIC_TOPIC).length
  }

  async #readRootFile(): Promise<string | undefined> {
    try {
      const text = (await readFile(this.rootFile, 'utf8')).trim()
      return text === '' ? undefined : text
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  async #writeRootFile(root: string): Promise<void> {
    const dir = join(this.#repo.path, 'tensorlogic')
    await mkdir(dir, { recursive: true })
    const tmp = join(dir, `.root.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
    try {
      const fh = await open(tmp, 'w')
      try {
        await fh.writeFile(`${root}\n`)
        await fh.sync()
      } finally {
        await fh.close()
      }
      await rename(tmp, this.rootFile)
    } catch (err) {
      await rm(tmp, { force: true })
      throw err
    }
  }
}
