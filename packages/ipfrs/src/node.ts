import { createReadStream } from 'node:fs'
import { type CID, formatCid, type NodeConfig, parseCid } from '@ipfrs/core'
import { Network, type NetworkInit, OfflineError } from '@ipfrs/network'
import {
  defaultRepoPath,
  type GcOptions,
  type GcResult,
  type Pin,
  type PinType,
  Repo,
  type RepoInitOptions,
  type RepoStat,
  type VerifyResult,
} from '@ipfrs/storage'
import type { ArrowTable, GetTensorOptions, LoadedTensor, TensorTypedArray } from '@ipfrs/transport'
import type { AbortOptions } from 'abort-error'
import type { ImportCandidate } from 'ipfs-unixfs-importer'
import { BlockApi } from './blocks.js'
import { type CarImportResult, exportCar, importCar } from './car.js'
import { NodeNotStartedError } from './errors.js'
import { LogicLayer } from './logic-layer.js'
import { SemanticLayer } from './semantic-layer.js'
import { addSafetensorsModel, type TensorAddResult, TensorLayer } from './tensor-layer.js'
import { type AddOptions, type AddResult, countBytes, diskCandidates, importCandidates } from './unixfs-add.js'
import { type CatOptions, catEntry, getToDisk, type LsEntry, lsEntry, statEntry } from './unixfs-read.js'

export interface CreateNodeOptions {
  /** The repo path (default `$IPFRS_PATH`, else `~/.ipfrs`). */
  repoPath?: string
  /** The passphrase of an encrypted repo. */
  passphrase?: string
  /** Initialise the repo first when there is none (with these options, if an object). */
  init?: boolean | RepoInitOptions
  /**
   * Join the network on start (libp2p, DHT, Bitswap, GossipSub, as the repo config says). Offline (the default), the
   * node only reads and writes its repo.
   */
  online?: boolean
  /** Publish libp2p's metrics into this prom-client registry (the daemon's /metrics). */
  metricsRegistry?: NetworkInit['metricsRegistry']
}

/** What `node.id()` reports, with Kubo's field names. */
export interface NodeId {
  ID: string
  PublicKey: string
  Addresses: string[]
  AgentVersion: string
  Protocols: string[]
}

export const AGENT_VERSION = 'ipfrs/0.1.0'

/** A path to add: a file, or with `recursive` a directory. */
export interface AddPathOptions extends AddOptions {
  recursive?: boolean
  /** Include files whose names start with a dot. */
  hidden?: boolean
}

/**
 * An IPFRS node over one repo. This node works offline: content in, content out, pins, GC, blocks and CAR
 * files; the network joins the same Node later.
 */
export class Node {
  readonly #options: CreateNodeOptions
  #repo: Repo | undefined
  #blocks: BlockApi | undefined
  #tensor: TensorLayer | undefined
  #network: Network | undefined
  #semantic: SemanticLayer | undefined
  #logic: LogicLayer | undefined
  /** Provides started by adds; the DHT may take a while (or wait for peers), so adds do not wait for them. */
  readonly #provides = new Set<Promise<void>>()
  #stopping = new AbortController()

  constructor(options: CreateNodeOptions = {}) {
    this.#options = options
  }

  /** Opens the repo (initialising it first when asked). Throws `ERR_REPO_LOCKED` if another process has it. */
  async start(): Promise<void> {
    if (this.#repo != null) return
    const path = this.#options.repoPath ?? defaultRepoPath()
    const init = this.#options.init
    if (init && !Repo.isInitialized(path)) {
      await Repo.init(path, { passphrase: this.#options.passphrase, ...(typeof init === 'object' ? init : {}) })
    }
    const repo = await Repo.open(path, { passphrase: this.#options.passphrase })
    try {
      if (repo.config.Semantic?.Enabled === true) {
        this.#semantic = await SemanticLayer.open(path, repo.config, (p, o) => this.cat(p, o))
      }
      if (this.#options.online === true) {
        const network = Network.create({
          config: repo.config,
          privateKey: repo.identity.privateKey,
          blockstore: repo.blockstore,
          datastore: repo.datastore,
          metricsRegistry: this.#options.metricsRegistry,
        })
        await network.start()
        this.#network = network
        await this.#semantic?.goOnline({ libp2p: network.libp2p }) // the semantic DHT; stopped by semantic.stop()
      }
      // restores the KB snapshot named by <repo>/tensorlogic/root (an unreadable one is reported by logic.stats())
      const logic = new LogicLayer(repo, this.#network)
      await logic.open()
      this.#logic = logic
      // online, the tensor layer serves TensorSwap and fetches from peers
      const tensor = new TensorLayer(repo, this.#network)
      await tensor.start()
      this.#tensor = tensor
    } catch (err) {
      // undo what started, newest first, so a failed start leaves no listener or lock behind
      this.#logic?.close()
      await this.#semantic?.stop().catch(() => undefined)
      await this.#network?.stop().catch(() => undefined)
      this.#logic = undefined
      this.#semantic = undefined
      this.#network = undefined
      await repo.close()
      throw err
    }
    this.#repo = repo
    this.#blocks = new BlockApi(repo)
  }

  /** Leaves the network, closes the repo and releases its lock. */
  async stop(): Promise<void> {
    this.#stopping.abort()
    await Promise.allSettled(this.#provides)
    this.#stopping = new AbortController()
    const repo = this.#repo
    const network = this.#network
    const tensor = this.#tensor
    this.#repo = undefined
    this.#blocks = undefined
    this.#tensor = undefined
    this.#network = undefined
    const semantic = this.#semantic
    this.#semantic = undefined
    const logic = this.#logic
    this.#logic = undefined
    try {
      try {
        await tensor?.stop() // no new TensorSwap streams from peers
        logic?.close()
        if (logic?.changed === true) await logic.save() // the KB snapshot, while the network and repo are up
      } finally {
        await semantic?.stop() // saves the index (a delta or a full snapshot)
      }
    } finally {
      try {
        await network?.stop()
      } finally {
        await repo?.close()
      }
    }
  }

  /** The network side, when the node was started online. */
  get network(): Network {
    if (this.#network == null) throw new OfflineError('the network (the node was started offline)')
    return this.#network
  }

  /** The semantic index (`ipfrs semantic`), when the config's `Semantic.Enabled` is true. */
  get semantic(): SemanticLayer {
    if (this.#semantic == null) throw this.#repo == null ? new NodeNotStartedError() : SemanticLayer.disabledError()
    return this.#semantic
  }

  get isOnline(): boolean {
    return this.#network != null
  }

  /** Subscribes to a GossipSub topic (online only); returns a function that unsubscribes. */
  subscribe(topic: string, handler: (data: Uint8Array, from: string) => void): () => void {
    return this.network.subscribe(topic, handler)
  }

  /** Publishes to a GossipSub topic (online only). */
  publish(topic: string, data: Uint8Array): Promise<void> {
    return this.network.publish(topic, data)
  }

  /** Resolves once the provides started by earlier adds have finished (or failed). */
  async whenProvided(): Promise<void> {
    await Promise.allSettled(this.#provides)
  }

  #provideLater(cid: CID): void {
    const network = this.#network
    if (network == null) return
    const job: Promise<void> = network
      .provide(cid, { signal: this.#stopping.signal })
      .catch(() => undefined) // best effort: the reprovider announces it again later
      .finally(() => this.#provides.delete(job))
    this.#provides.add(job)
  }

  /** Announces to the DHT (and to GossipSub subscribers) that this node has `cid` (online only). */
  provide(cid: CID | string, options: AbortOptions = {}): Promise<void> {
    return this.network.provide(parseCid(cid), options)
  }

  /** Peers that provide `cid`, found through the DHT (online only). */
  findProviders(cid: CID | string, options: AbortOptions = {}) {
    return this.network.findProviders(parseCid(cid), options)
  }

  get isStarted(): boolean {
    return this.#repo != null
  }

  /** The open repo. */
  get repo(): Repo {
    if (this.#repo == null) throw new NodeNotStartedError()
    return this.#repo
  }

  get config(): NodeConfig {
    return this.repo.config
  }

  get peerId(): string {
    return this.repo.identity.peerId
  }

  /** The TensorLogic knowledge base (`ipfrs logic`), persisted in the repo; online it also answers peers. */
  get logic(): LogicLayer {
    if (this.#logic == null) throw new NodeNotStartedError()
    return this.#logic
  }

  /** Tensors, blobs and safetensors models as content (`tensor ls/get/export`). */
  get tensor(): TensorLayer {
    if (this.#tensor == null) throw new NodeNotStartedError()
    return this.#tensor
  }

  /** Stores a tensor (typed array or Arrow Table/Vector) as Arrow IPC chunks plus a manifest; `node.tensor.putTensor`. */
  putTensor(...args: Parameters<TensorLayer['putTensor']>): Promise<CID> {
    return this.tensor.putTensor(...args)
  }

  /** Loads a tensor as a typed array (or with `as: 'arrow'` an Arrow Table), a view over the stored bytes. */
  getTensor(cid: CID | string, options?: GetTensorOptions & { as?: 'typed' }): Promise<LoadedTensor<TensorTypedArray>>
  getTensor(cid: CID | string, options: GetTensorOptions & { as: 'arrow' }): Promise<LoadedTensor<ArrowTable>>
  getTensor(cid: CID | string, options: GetTensorOptions = {}): Promise<LoadedTensor<TensorTypedArray | ArrowTable>> {
    return this.tensor.getTensor(cid, options as GetTensorOptions & { as?: 'typed' })
  }

  /** Raw block operations (`block put/get/stat/rm`). */
  get block(): BlockApi {
    if (this.#blocks == null) throw new NodeNotStartedError()
    return this.#blocks
  }

  id(): NodeId {
    const { identity } = this.repo
    return {
      ID: identity.peerId,
      PublicKey: Buffer.from(identity.privateKey.publicKey.raw).toString('base64'),
      Addresses: [],
      AgentVersion: AGENT_VERSION,
      Protocols: [],
    }
  }

  /** Adds bytes as one UnixFS file and returns its root. */
  async addBytes(bytes: Uint8Array, options: AddOptions = {}): Promise<AddResult> {
    return this.#addOne([{ content: countBytes(toAsync(bytes), options.onProgress, options.signal) }], options)
  }

  /** Adds a file from disk or a byte stream, streaming (memory stays constant whatever the size). */
  async addFile(source: string | AsyncIterable<Uint8Array>, options: AddOptions = {}): Promise<AddResult> {
    const content = typeof source === 'string' ? createReadStream(source, { highWaterMark: 1024 * 1024 }) : source
    return this.#addOne([{ content: countBytes(content, options.onProgress, options.signal) }], options)
  }

  /** Adds a file or (with `recursive`) a directory from disk; yields every entry, the root last, as `ipfs add -r` prints. */
  async *addPath(path: string, options: AddPathOptions = {}): AsyncGenerator<TensorAddResult> {
    // a .safetensors file also gets tensor manifests; its root result then carries `model` (TensorAddResult)
    yield* addSafetensorsModel(path, this.addAll(diskCandidates(path, options), options), () => this.tensor, options)
  }

  /** Adds import candidates (`{ path, content }`), yielding each file and directory; pins the last (the root). */
  async *addAll(
    source: Iterable<ImportCandidate> | AsyncIterable<ImportCandidate>,
    options: AddOptions = {},
  ): AsyncGenerator<AddResult> {
    const repo = this.repo
    if (options.onlyHash === true) {
      yield* importCandidates(source, { put: async (cid) => cid }, repo.config, options)
      return
    }
    // the shared GC lock is held from the first block to the pin, so GC cannot sweep a half-added DAG
    const results: AddResult[] = []
    await repo.gcLock.shared(async () => {
      for await (const result of importCandidates(source, repo.blockstore, repo.config, options)) results.push(result)
      const root = results.at(-1)
      // the importer has just written every block of the DAG, so the pin need not walk it again
      if (root != null && options.pin !== false) {
        await repo.pins.add(root.cid, { complete: true, signal: options.signal })
      }
    })
    const root = results.at(-1)
    if (root != null && repo.config.Routing.AutoProvide && repo.config.Routing.Type !== 'none')
      this.#provideLater(root.cid)
    yield* results
  }

  async #addOne(source: ImportCandidate[], options: AddOptions): Promise<AddResult> {
    let last: AddResult | undefined
    for await (const result of this.addAll(source, options)) last = result
    return last!
  }

  /** The bytes of the file at `<cid>[/path]`. */
  async *cat(path: string | CID, options: CatOptions = {}): AsyncGenerator<Uint8Array> {
    const p = pathOf(path)
    yield* catEntry(this.#reader(p, options), p, options)
  }

  /** Writes the file or directory at `<cid>[/path]` to `out`; returns the bytes written. */
  get(path: string | CID, out: string, options: AbortOptions & { onProgress?: (bytes: number) => void } = {}) {
    const p = pathOf(path)
    return getToDisk(this.#reader(p, options), p, out, options)
  }

  /** The type and size of `<cid>[/path]`. */
  async stat(path: string | CID, options: AbortOptions = {}) {
    const p = pathOf(path)
    return statEntry(this.#reader(p, options), p, options)
  }

  /** Lists the directory at `<cid>[/path]`. */
  async *ls(path: string | CID, options: AbortOptions = {}): AsyncGenerator<LsEntry> {
    const p = pathOf(path)
    yield* lsEntry(this.#reader(p, options), p, options)
  }

  /** Where reads of a DAG come from: the repo, and online also peers (one Bitswap session per DAG read). */
  #reader(path: string, options: AbortOptions) {
    const network = this.#network
    if (network == null) return this.repo.blockstore
    return network.session(parseCid(path.split('/')[0] ?? ''), options)
  }

  /** Pins: add (recursive by default), rm, ls. */
  get pin() {
    const repo = this.repo
    return {
      add: (cid: CID | string, options: AbortOptions & { recursive?: boolean } = {}): Promise<Pin> =>
        repo.gcLock.shared(() => repo.pins.add(parseCid(cid), options)),
      rm: (cid: CID | string, options: AbortOptions = {}): Promise<void> => repo.pins.rm(parseCid(cid), options),
      ls: (options: AbortOptions & { type?: PinType | 'all' } = {}): AsyncGenerator<Pin> => repo.pins.ls(options),
    }
  }

  /** Removes every block no pin reaches (see `OrphanGarbageCollector`). */
  gc(options: GcOptions = {}): Promise<GcResult> {
    return this.repo.gc.run({ minAgeSeconds: this.repo.config.Datastore.GCMinAgeSeconds, ...options })
  }

  /** CAR export/import (`dag export`, `dag import`). Import pins the CAR's roots unless `pinRoots` is false. */
  get dag() {
    const repo = this.repo
    return {
      export: (cid: CID | string, options: AbortOptions = {}): AsyncGenerator<Uint8Array> =>
        (async function* () {
          yield* exportCar(repo.blockstore, parseCid(cid), options)
        })(),
      import: (
        source: AsyncIterable<Uint8Array>,
        options: AbortOptions & { pinRoots?: boolean } = {},
      ): Promise<CarImportResult> =>
        repo.gcLock.shared(async () => {
          const result = await importCar(repo.blockstore, source, options)
          if (options.pinRoots !== false) for (const root of result.roots) await repo.pins.add(root, options)
          return result
        }),
    }
  }

  repoStat(): Promise<RepoStat> {
    return this.repo.stat()
  }

  repoVerify(options: Parameters<Repo['verify']>[0] = {}): Promise<VerifyResult> {
    return this.repo.verify(options)
  }
}

/** Builds a node over the repo at `options.repoPath` (not started: call `start()`). */
export function createNode(options: CreateNodeOptions = {}): Node {
  return new Node(options)
}

function pathOf(path: string | CID): string {
  if (typeof path !== 'string') return formatCid(path)
  const trimmed = path.replace(/^\/?ipfs\//, '')
  const [first, ...rest] = trimmed.split('/')
  return [formatCid(parseCid(first ?? '')), ...rest].join('/')
}

async function* toAsync(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes
}
