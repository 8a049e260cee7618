import { type CID, type NodeConfig, parseCid } from '@ipfrs/core'
import type { Network, NetworkInit, Topics } from '@ipfrs/network'
import { OfflineError } from '@ipfrs/network/errors'
import type { AddCandidate, GetOptions, HybridOptions, HybridResult, LocalNodeApi, NodeId } from '@ipfrs/node-api'
import {
  defaultRepoPath,
  type GcOptions,
  type GcResult,
  publicKeyOfPeerId,
  Repo,
  type RepoInitOptions,
  type RepoStat,
  type VerifyResult,
} from '@ipfrs/storage'
import type { ArrowTable, GetTensorOptions, LoadedTensor, TensorTypedArray } from '@ipfrs/transport'
import type { AbortOptions } from 'abort-error'
import { BlockApi } from './blocks.js'
import { NodeNotStartedError, semanticDisabledError } from './errors.js'
import { hybridQuery } from './hybrid.js'
import { KuboParts } from './kubo-parts.js'
import { LogicLayer } from './logic-layer.js'
import type { Mfs } from './mfs.js'
import type { Names } from './names.js'
import { dagApi, pinApi, runGc } from './pin-dag-api.js'
import { ProvideQueue } from './provide-queue.js'
import type { SemanticLayer } from './semantic-layer.js'
import { type TensorAddResult, TensorLayer } from './tensor-layer.js'
import type { AddOptions, AddResult } from './unixfs-add.js'
import { type AddPathOptions, UnixfsApi } from './unixfs-api.js'
import type { CatOptions, LsEntry } from './unixfs-read.js'
import { AGENT_VERSION } from './version.js'

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
  /**
   * Open the semantic index when the config's `Semantic.Enabled` is true (default true). False leaves it closed for
   * this node's life (`node.semantic` is then `ERR_NOT_STARTED`): a short-lived node that never searches or indexes
   * (the CLI's `ipfrs add`, `cat`, ...) need not load hnswlib and the index, nor save it on stop.
   */
  semantic?: boolean
}

/** What `node.id()` reports, with Kubo's field names (the contract's). */
export type { NodeId } from '@ipfrs/node-api'

/**
 * An IPFRS node over one repo, offline or (with `online: true`) on the network: its lifecycle (`start`/`stop`) and
 * its parts (repo, blocks, network, semantic index, knowledge base, tensors). UnixFS content (add/cat/get/stat/ls) is
 * handled by {@link UnixfsApi}, pins, GC and CAR files by `pin-dag-api.ts`; the Node delegates to them. It implements
 * the node contract of `@ipfrs/node-api` (the compiler checks it).
 */
export class Node implements LocalNodeApi {
  readonly #options: CreateNodeOptions
  #repo: Repo | undefined
  #blocks: BlockApi | undefined
  #tensor: TensorLayer | undefined
  #network: Network | undefined
  #semantic: SemanticLayer | undefined
  #logic: LogicLayer | undefined
  /** files, name, pubsub (see `KuboParts`). */
  #kubo: KuboParts | undefined
  /** Provides of added roots, in the background: adds do not wait for the DHT. */
  readonly #provides = new ProvideQueue(() => this.#network)
  /** add/cat/get/stat/ls, reading the repo and network as they are when each call runs. */
  readonly #unixfs = new UnixfsApi({
    repo: () => this.repo,
    network: () => this.#network,
    tensor: () => this.tensor,
    provideLater: (cid) => this.#provides.add(cid),
  })

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
      // libp2p, Helia, hnswlib are loaded only by the nodes that use them: a one-shot offline command loads neither
      if (repo.config.Semantic?.Enabled === true && this.#options.semantic !== false) {
        const { SemanticLayer } = await import('./semantic-layer.js')
        this.#semantic = await SemanticLayer.open(path, repo.config, (p, o) => this.cat(p, o))
      }
      if (this.#options.online === true) {
        const { privateKey } = await repo.identity()
        const { Network } = await import('@ipfrs/network')
        const network = Network.create({
          config: repo.config,
          privateKey,
          blockstore: repo.blockstore,
          datastore: repo.datastore,
          metricsRegistry: this.#options.metricsRegistry,
        })
        await network.start()
        this.#network = network
        // the semantic DHT (with LSH records on kad-dht unless routing is off); stopped by semantic.stop()
        await this.#semantic?.goOnline({
          libp2p: network.libp2p,
          privateKey,
          // LSH holders: a lookup that ends once the key's replicas are settled, not after kad-dht's k = 20
          ...(repo.config.Routing.Type === 'none'
            ? {}
            : {
                peerRouting: {
                  getClosestPeers: async function* (key, o) {
                    yield* await network.closestPeers(key, o)
                  },
                },
              }),
        })
      }
      // restores the KB snapshot named by <repo>/tensorlogic/root (an unreadable one is reported by logic.stats());
      // offline with no snapshot, the solver is loaded only when the KB is first used
      const logic = new LogicLayer(repo, this.#network)
      await logic.open()
      this.#logic = logic
      // online, the tensor layer serves TensorSwap and fetches from peers; offline it loads Arrow when first used
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
    this.#kubo = await KuboParts.open(repo, this.#network, {
      stat: (path, options) => this.stat(path, options),
      block: (cid, options) => (this.#network?.session(cid, options) ?? repo.blockstore).get(cid, options),
    })
  }

  /** Leaves the network, closes the repo and releases its lock. */
  async stop(): Promise<void> {
    await this.#provides.stop()
    const repo = this.#repo
    const network = this.#network
    const tensor = this.#tensor
    this.#repo = undefined
    this.#blocks = undefined
    this.#kubo?.stop()
    this.#kubo = undefined
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
        await logic?.settled() // a background restore reads the repo: let it end before the repo closes
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
    if (this.#semantic == null) {
      if (this.#repo == null) throw new NodeNotStartedError()
      if (this.#repo.config.Semantic?.Enabled === true)
        throw new NodeNotStartedError('the semantic index', 'this node was created with semantic: false')
      throw semanticDisabledError()
    }
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
  whenProvided(): Promise<void> {
    return this.#provides.settled()
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
    return this.repo.peerId
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

  /** The Mutable File System (`ipfrs files`), its root kept in the repo as a GC root. */
  get files(): Mfs {
    return this.#parts().files
  }

  /** Named keys (`ipfrs key`); `self` is the node's identity. */
  get keys(): Repo['keys'] {
    return this.repo.keys
  }

  /** IPNS (`ipfrs name`): publish and resolve signed records; published names are republished every 4 h. */
  get name(): Names {
    return this.#parts().name
  }

  /** GossipSub topics (`ipfrs pubsub`), online only. */
  get pubsub(): Topics {
    return this.#parts().pubsub
  }

  #parts(): KuboParts {
    if (this.#kubo == null) throw new NodeNotStartedError()
    return this.#kubo
  }

  /** Raw block operations (`block put/get/stat/rm`). */
  get block(): BlockApi {
    if (this.#blocks == null) throw new NodeNotStartedError()
    return this.#blocks
  }

  /** This node's identity; online, with the addresses peers can dial (each with `/p2p/<id>`) and its protocols. */
  id(): NodeId {
    const { peerId } = this.repo
    const network = this.#network
    // an Ed25519 peer ID (every repo's own) carries its public key: no need to read the private key for it
    const publicKey = publicKeyOfPeerId(peerId)
    return {
      ID: peerId,
      PublicKey: publicKey === undefined ? '' : Buffer.from(publicKey).toString('base64'),
      Addresses: network == null ? [] : network.addresses().sort(),
      AgentVersion: AGENT_VERSION,
      Protocols: network == null ? [] : network.libp2p.getProtocols().sort(),
    }
  }

  /** Logic answers to `goal`, ranked by a semantic search for `options.semantic` (see `combineHybrid`). */
  hybridQuery(goal: string, options: HybridOptions = {}): Promise<HybridResult> {
    return hybridQuery(this.logic, () => this.semantic, goal, options)
  }

  /** Adds bytes as one UnixFS file and returns its root. */
  addBytes(bytes: Uint8Array, options: AddOptions = {}): Promise<AddResult> {
    return this.#unixfs.addBytes(bytes, options)
  }

  /** Adds a file from disk or a byte stream, streaming (memory stays constant whatever the size). */
  addFile(source: string | AsyncIterable<Uint8Array>, options: AddOptions = {}): Promise<AddResult> {
    return this.#unixfs.addFile(source, options)
  }

  /** Adds a file or (with `recursive`) a directory from disk; yields every entry, the root last, as `ipfs add -r` prints. */
  addPath(path: string, options: AddPathOptions = {}): AsyncGenerator<TensorAddResult> {
    return this.#unixfs.addPath(path, options)
  }

  /** Adds import candidates (`{ path, content }`), yielding each file and directory; pins the last (the root). */
  addAll(
    source: Iterable<AddCandidate> | AsyncIterable<AddCandidate>,
    options: AddOptions = {},
  ): AsyncGenerator<AddResult> {
    return this.#unixfs.addAll(source, options)
  }

  /** The bytes of the file at `<cid>[/path]`. */
  cat(path: string | CID, options: CatOptions = {}): AsyncGenerator<Uint8Array> {
    return this.#unixfs.cat(path, options)
  }

  /** Writes the file or directory at `<cid>[/path]` to `out`; returns the bytes written. */
  get(path: string | CID, out: string, options: GetOptions = {}): Promise<number> {
    return this.#unixfs.get(path, out, options)
  }

  /** The type and size of `<cid>[/path]`. */
  stat(path: string | CID, options: AbortOptions = {}) {
    return this.#unixfs.stat(path, options)
  }

  /** Lists the directory at `<cid>[/path]`. */
  ls(path: string | CID, options: AbortOptions = {}): AsyncGenerator<LsEntry> {
    return this.#unixfs.ls(path, options)
  }

  /** Pins: add (recursive by default), rm, ls. */
  get pin() {
    return pinApi(this.repo)
  }

  /** Removes every block no pin reaches (see `OrphanGarbageCollector`). */
  gc(options: GcOptions = {}): Promise<GcResult> {
    return runGc(this.repo, options)
  }

  /** CAR export/import (`dag export`, `dag import`). Import pins the CAR's roots unless `pinRoots` is false. */
  get dag() {
    return dagApi(this.repo)
  }

  async repoStat(options: AbortOptions = {}): Promise<RepoStat> {
    options.signal?.throwIfAborted()
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
