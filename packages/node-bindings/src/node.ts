/**
 * `Node`: the plain-JavaScript face of an IPFRS node. String CIDs in and out, Buffers out, plain objects; mutating
 * calls go through one queue (one at a time, in call order), reads run concurrently.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { formatCid, isIpfrsError, localConfig, parseCid } from '@ipfrs/core'
import type { ProofTree } from '@ipfrs/node-api'
import { createNode, type Node as IpfrsNode, LogicNotReadyError, semantic } from 'ipfrs'
import { cidArg, pathArg, plainHit, textArg, toVector } from './args.js'
import { InvalidArgumentError, NotStartedError } from './errors.js'
import { readIndexFile, writeIndexFile } from './index-file.js'
import { SerialQueue } from './queue.js'
import type {
  InferOptions,
  NetworkAnswer,
  NetworkHit,
  NodeConfig,
  Query,
  SearchFilterOptions,
  SimilarHit,
} from './types.js'
import {
  answerText,
  DEFAULT_STORAGE_PATH,
  factText,
  goalText,
  isUpstreamConfig,
  isUpstreamPredicate,
  proofText,
  ruleText,
  type UpstreamNodeConfig,
  type UpstreamPredicate,
  type UpstreamRule,
} from './upstream.js'

/** An IPFRS node for plain JavaScript apps. Construct, `await start()`, call, `await stop()`. */
export class Node {
  readonly config: Readonly<NodeConfig>
  readonly #queue = new SerialQueue()
  #node: IpfrsNode | undefined
  /** Made from the original's config shape: the index takes the dimension of the first vector, no semantic: false. */
  readonly #upstream: { semantic: boolean } | undefined

  /** `config` is ours (`{ repoPath, ... }`) or the original's (`{ storagePath, enableSemantic, enableTensorlogic }`). */
  constructor(config?: NodeConfig | UpstreamNodeConfig) {
    if (isUpstreamConfig(config)) {
      this.#upstream = { semantic: config?.enableSemantic !== false }
      this.config = { repoPath: config?.storagePath ?? DEFAULT_STORAGE_PATH }
      return
    }
    if (typeof config !== 'object' || config === null) throw new InvalidArgumentError('config', 'expected an object')
    if (typeof config.repoPath !== 'string' || config.repoPath === '') {
      throw new InvalidArgumentError('config.repoPath', 'expected a non-empty string')
    }
    this.config = { ...config }
  }

  /** Opens (creating when `init` is not false) the repo; online, also joins the network. */
  async start(): Promise<void> {
    if (this.#node !== undefined) return
    const c = this.config
    const semanticConfig =
      c.semantic === undefined
        ? undefined
        : {
            Semantic: {
              Enabled: true,
              ...(c.semantic.dimension === undefined ? {} : { Dimension: c.semantic.dimension }),
              ...(c.semantic.metric === undefined ? {} : { Metric: c.semantic.metric }),
            },
          }
    const network =
      c.local === true
        ? localConfig({ bootstrap: c.bootstrap ?? [] })
        : c.bootstrap !== undefined
          ? { Bootstrap: [...c.bootstrap] }
          : {}
    const node = createNode({
      repoPath: c.repoPath,
      passphrase: c.passphrase,
      online: c.online === true,
      init: c.init === false ? false : { config: { ...network, ...semanticConfig } as never },
      ...(this.#upstream?.semantic === false ? { semantic: false } : {}),
    })
    await node.start()
    // the solver loaded and the KB restored now, so that the original's facts, rules and goals (objects) can be
    // added and asked synchronously, as in the original
    await node.logic.ready()
    this.#node = node
  }

  /** Waits for queued mutations, then saves the semantic index and KB and closes the repo. */
  async stop(): Promise<void> {
    const node = this.#node
    if (node === undefined) return
    await this.#queue.idle()
    this.#node = undefined
    await node.stop()
  }

  /** Whether `start()` has completed (and `stop()` has not been called). */
  get isStarted(): boolean {
    return this.#node !== undefined
  }

  get #n(): IpfrsNode {
    if (this.#node === undefined) throw new NotStartedError('the node', 'call `await node.start()` first')
    return this.#node
  }

  /** Stores bytes as one block; `codec` is a codec name (default 'raw'). Returns the CID string. */
  async putBlock(data: Uint8Array, options: { codec?: string } = {}): Promise<string> {
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('data', 'expected a Buffer or Uint8Array')
    const node = this.#n
    const stat = await this.#queue.run(() => node.block.put(data, { format: options.codec }))
    return formatCid(stat.cid)
  }

  /** The block's bytes, or null when this node does not have it. A bad CID is `ERR_INVALID_CID`. */
  async getBlock(cid: string): Promise<Buffer | null> {
    const key = parseCid(cidArg(cid))
    const node = this.#n
    if (!(await node.block.has(key))) return null
    try {
      const bytes = await node.block.get(key)
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    } catch (err) {
      if (isIpfrsError(err, 'ERR_BLOCK_NOT_FOUND')) return null // deleted meanwhile
      throw err
    }
  }

  /** Whether this node has the block. */
  async hasBlock(cid: string): Promise<boolean> {
    return this.#n.block.has(parseCid(cidArg(cid)))
  }

  /** Removes the block; false when it was not there. A pinned block is `ERR_BLOCK_PINNED`. */
  async deleteBlock(cid: string): Promise<boolean> {
    const key = parseCid(cidArg(cid))
    const node = this.#n
    return this.#queue.run(async () => (await node.block.rm([key], { force: true })).length === 1)
  }

  /** Indexes `cid` by a vector you computed, or by text embedded with the built-in embedder. */
  async indexContent(cid: string, content: Query): Promise<void> {
    const key = formatCid(parseCid(cidArg(cid)))
    const store = this.#n.semantic.store
    if (typeof content === 'string') {
      await this.#queue.run(() => store.indexText(key, content))
      return
    }
    const vector = toVector(content, 'content')
    await this.#queue.run(async () => {
      let s = store
      if (this.#upstream !== undefined && s.size === 0 && s.index.dimension !== vector.length)
        s = await this.#redimension(vector.length)
      s.putWithVector(key, vector)
    })
  }

  /**
   * An original-style node's empty index, remade with `dimension` (the original's config names none: the first
   * vector sets it): the repo config's `Semantic.Dimension` is changed and the node restarted over a fresh index.
   * The embedder becomes word hashing (`Embedder: 'hashing'`): the default text model only makes 512-d vectors, and
   * the original's programs bring their own vectors.
   */
  async #redimension(dimension: number) {
    const node = this.#n
    const config = node.config
    await node.repo.saveConfig({
      ...config,
      Semantic: { ...config.Semantic, Enabled: true, Embedder: 'hashing', Dimension: dimension },
    } as never)
    const dir = node.semantic.store.dir
    this.#node = undefined
    await node.stop()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true }) // held nothing: the index was empty
    const again = createNode({
      repoPath: this.config.repoPath,
      passphrase: this.config.passphrase,
      online: this.config.online === true,
    })
    await again.start()
    await again.logic.ready()
    this.#node = again
    return again.semantic.store
  }

  /** The `k` indexed CIDs nearest to a vector or a text, best first. */
  async searchSimilar(query: Query, k = 10): Promise<SimilarHit[]> {
    const store = this.#n.semantic.store
    const hits = typeof query === 'string' ? await store.query(query, k) : store.searchSimilar(toVector(query), k)
    return hits.map(plainHit)
  }

  /** Like {@link searchSimilar}, keeping only hits that pass `filter`. */
  async searchFiltered(query: Query, k: number, filter: SearchFilterOptions = {}): Promise<SimilarHit[]> {
    const store = this.#n.semantic.store
    const f = { ...filter }
    const hits =
      typeof query === 'string' ? await store.query(query, k, f) : store.searchFiltered(toVector(query), k, f)
    return hits.map(plainHit)
  }

  /**
   * Adds one fact: text (`parent(tom, bob).`, resolves to its CID string) or, synchronously as in the original, its
   * `{ name, args }` (returns the CID string; `ERR_LOGIC_NOT_READY` while a change made with text is still running).
   */
  addFact(fact: UpstreamPredicate): string
  addFact(fact: string): Promise<string>
  addFact(fact: string | UpstreamPredicate): string | Promise<string> {
    if (isUpstreamPredicate(fact)) return this.#logicNow().addSync(factText(fact))
    return this.#addText(fact, false)
  }

  /** The KB for a synchronous (original-style) call: `ERR_LOGIC_NOT_READY` while calls made before it still run. */
  #logicNow() {
    const logic = this.#n.logic
    if (this.#queue.pending > 0) throw new LogicNotReadyError('a change made before it is still running')
    return logic
  }

  async #addText(text: unknown, rule: boolean): Promise<string> {
    const logic = this.#n.logic
    const clause = textArg(text, rule ? 'rule' : 'fact')
    return this.#queue.run(() => (rule ? logic.addRule(clause) : logic.addFact(clause)))
  }

  /** Adds one rule: text (`g(X, Z) :- p(X, Y), p(Y, Z).`, async) or, synchronously, the original's `{ head, body }`. */
  addRule(rule: UpstreamRule): string
  addRule(rule: string): Promise<string>
  addRule(rule: string | UpstreamRule): string | Promise<string> {
    if (typeof rule === 'string') return this.#addText(rule, true)
    const { text, fact } = ruleText(rule)
    return this.#logicNow().addSync(text, !fact)
  }

  /**
   * Every solution of `goal` (or the first `limit`) as variable name → printed term, e.g. `[{ X: 'tom' }]`. A goal
   * object (the original's `{ name, args }`) is answered synchronously in the original's shape: one string per
   * solution, `X = 'Alice'`.
   */
  infer(goal: string, options?: InferOptions): Promise<Array<Record<string, string>>>
  infer(goal: UpstreamPredicate, options?: InferOptions): string[]
  infer(goal: string | UpstreamPredicate, options: InferOptions = {}) {
    if (!isUpstreamPredicate(goal)) return (async () => this.#n.logic.query(textArg(goal, 'goal'), { ...options }))()
    const { text, vars } = goalText(goal)
    return this.#logicNow()
      .querySync(text, { ...options })
      .map((b) => answerText(b, vars))
  }

  /**
   * The proof tree of the first solution of `goal`, or null when there is none. A goal object is proven
   * synchronously, in the original's shape: the proof as text (one proven goal a line, sub-goals indented), or null.
   */
  prove(goal: string, options?: InferOptions): Promise<ProofTree | null>
  prove(goal: UpstreamPredicate, options?: InferOptions): string | null
  prove(goal: string | UpstreamPredicate, options: InferOptions = {}) {
    if (!isUpstreamPredicate(goal)) return (async () => this.#n.logic.prove(textArg(goal, 'goal'), { ...options }))()
    const proof = this.#logicNow().proveSync(goalText(goal).text, { ...options })
    return proof === null ? null : proofText(proof)
  }

  /** Facts, rules and predicates in the KB, and the last snapshot's root CID (`numFacts`/`numRules` as the original). */
  kbStats() {
    const s = this.#n.logic.stats()
    return { ...s, numFacts: s.facts, numRules: s.rules }
  }

  /**
   * Without `path`, saves the repo's own index (restored on the next start); with `path`, also exports every vector
   * to that file (see README for the format). Returns the number of vectors.
   */
  async saveSemanticIndex(path?: string): Promise<number> {
    const store = this.#n.semantic.store
    return this.#queue.run(async () => {
      await store.save()
      const entries = [...store.index.entries()]
      if (path !== undefined) {
        await writeIndexFile(pathArg(path), {
          dimension: store.index.dimension,
          metric: store.index.metric,
          entries,
        })
      }
      return entries.length
    })
  }

  /**
   * Without `path`, replaces the index with the repo's last saved one; with `path`, adds (or replaces) the vectors of
   * an exported file, whose dimension must match. Returns the number of vectors loaded.
   */
  async loadSemanticIndex(path?: string): Promise<number> {
    const store = this.#n.semantic.store
    return this.#queue.run(async () => {
      let entries: Array<[string, Float32Array]>
      if (path === undefined) {
        const saved = new semantic.SemanticStore({
          dir: store.dir,
          dimension: store.index.dimension,
          metric: store.index.metric,
        })
        await saved.start()
        entries = [...saved.index.entries()]
        const keep = new Set(entries.map(([cid]) => cid))
        for (const [cid] of [...store.index.entries()]) if (!keep.has(cid)) store.delete(cid)
      } else {
        const file = await readIndexFile(pathArg(path))
        if (file.dimension !== store.index.dimension) {
          throw new InvalidArgumentError(
            'path',
            `the file's dimension ${file.dimension} is not ${store.index.dimension}`,
          )
        }
        entries = file.entries
      }
      for (const [cid, vector] of entries) store.putWithVector(cid, vector)
      return entries.length
    })
  }

  /**
   * Snapshots the KB into the repo (root in `<repo>/tensorlogic/root`); with `path`, also exports the snapshot as a
   * CARv1 file whose root is the snapshot's root. Returns the root CID string.
   */
  async saveKb(path?: string): Promise<string> {
    const node = this.#n
    return this.#queue.run(async () => {
      const root = await node.logic.save()
      if (path !== undefined) await pipeline(node.dag.export(root), createWriteStream(pathArg(path)))
      return root
    })
  }

  /**
   * Without `path`, replaces the KB with the repo's last snapshot; with `path`, imports a CAR written by `saveKb(path)`
   * and replaces the KB with its root. Returns the root CID string.
   */
  async loadKb(path?: string): Promise<string | undefined> {
    const node = this.#n
    return this.#queue.run(async () => {
      let root: string | undefined
      if (path !== undefined) {
        const result = await node.dag.import(createReadStream(pathArg(path)))
        const first = result.roots[0]
        if (first === undefined) throw new InvalidArgumentError('path', 'the CAR has no root')
        root = formatCid(first)
      }
      await node.logic.restore(root)
      return node.logic.stats().root
    })
  }

  /** This node's peer ID. */
  get peerId(): string {
    return this.#n.peerId
  }

  /** Online only: the addresses peers can dial (each with /p2p/<peer id>). */
  addresses(): string[] {
    return this.#n.network.addresses()
  }

  /** Online only: dials a peer by multiaddr (with /p2p/<id>); returns its peer ID. */
  async connect(address: string): Promise<string> {
    return this.#n.network.connect(textArg(address, 'address'))
  }

  /** Online only: the `k` nearest CIDs over this node and its peers, best first, each naming the peer holding it. */
  async searchNetwork(query: Query, k = 10): Promise<NetworkHit[]> {
    const q = typeof query === 'string' ? query : toVector(query)
    const hits = await this.#n.semantic.searchNetwork(q, k)
    return hits.map((h) => ({ cid: h.cid, score: h.score, provider: h.provider }))
  }

  /** Online only: answers to `goal` from this node and every peer that answers within `timeoutMs` (default 3 s). */
  async inferNetwork(goal: string, options: { timeoutMs?: number; limit?: number } = {}): Promise<NetworkAnswer[]> {
    const answers = await this.#n.logic.distributedQuery(textArg(goal, 'goal'), { ...options })
    return answers.map((a) => ({ bindings: a.bindings, from: a.from }))
  }

  /** Stores facts or rules (program text) as content-addressed blocks for peers to fetch; returns their CIDs. */
  async publishRules(text: string): Promise<string[]> {
    const logic = this.#n.logic
    return this.#queue.run(() => logic.publish(textArg(text, 'rules')))
  }

  /** Fetches published clauses by CID (from the repo, else from peers when online) into the KB; returns those added. */
  async fetchRules(cids: string[]): Promise<string[]> {
    if (!Array.isArray(cids) || !cids.every((c) => typeof c === 'string'))
      throw new InvalidArgumentError('cids', 'expected an array of CID strings')
    const logic = this.#n.logic
    return this.#queue.run(() => logic.fetch(cids))
  }
}
