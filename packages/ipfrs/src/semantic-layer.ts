/**
 * The Node's semantic layer (`node.semantic`): a SemanticStore persisted under `<repo>/semantic`, configured by the
 * repo config's `Semantic` section, restored on start and saved on stop, plus indexing of UnixFS text files by CID.
 */
import { join } from 'node:path'
import { formatCid, type InvalidConfigError, type NodeConfig, parseCid } from '@ipfrs/core'
import type { SemanticApi, SemanticQueryOptions, SemanticStats } from '@ipfrs/node-api'
import {
  HashingTextEmbedder,
  HnswIndex,
  InvalidParameterError,
  type NetworkSearchOptions,
  type ProvidedHit,
  type SearchHit,
  SemanticStore,
} from '@ipfrs/semantic'
import type { AbortOptions } from 'abort-error'
import { semanticDisabledError } from './errors.js'
import { SemanticNetwork, type SemanticNetworkInit } from './semantic-network.js'

/** Reads the bytes of the UnixFS file at a path (`node.cat`). */
export type CatFn = (path: string, options: AbortOptions) => AsyncIterable<Uint8Array>

/** What `indexCid` stored. */
export interface IndexCidResult {
  readonly cid: string
  /** Bytes of text embedded (at most `maxBytes`). */
  readonly bytes: number
  /** Whether the file was longer than `maxBytes` and only its start was embedded. */
  readonly truncated: boolean
  /** Online: the peers that took a record saying this node provides the CID (empty offline or with no peers). */
  readonly publishedTo: readonly string[]
}

/** Files longer than this are embedded by their first MiB. */
export const DEFAULT_MAX_INDEX_BYTES = 1024 * 1024

/** `node.semantic`: the store plus CID-aware indexing. */
export class SemanticLayer implements SemanticApi {
  readonly store: SemanticStore
  readonly #cat: CatFn
  #network: SemanticNetwork | undefined

  constructor(store: SemanticStore, cat: CatFn) {
    this.store = store
    this.#cat = cat
  }

  /**
   * Opens (and starts) the semantic store of the repo at `repoPath` as `config.Semantic` says. Throws
   * InvalidConfigError when the section is disabled; ERR_SNAPSHOT_MISMATCH when the saved index has another
   * dimension or metric than the config.
   */
  static async open(repoPath: string, config: NodeConfig, cat: CatFn): Promise<SemanticLayer> {
    const c = config.Semantic
    if (c?.Enabled !== true) throw SemanticLayer.disabledError()
    const store = new SemanticStore({
      dir: join(repoPath, 'semantic'),
      embedder: new HashingTextEmbedder({ dimension: c.Dimension }),
      index: new HnswIndex({
        dimension: c.Dimension,
        metric: c.Metric,
        M: c.M,
        efConstruction: c.EfConstruction,
        efSearch: c.EfSearch,
      }),
    })
    await store.start()
    return new SemanticLayer(store, cat)
  }

  /** The error `node.semantic` throws when the config disables the semantic index. */
  static disabledError(): InvalidConfigError {
    return semanticDisabledError()
  }

  /** Embeds the UTF-8 text of the UnixFS file at `cid` (its first `maxBytes`) and stores it under the CID. */
  async indexCid(cid: string, options: AbortOptions & { maxBytes?: number } = {}): Promise<IndexCidResult> {
    const key = formatCid(parseCid(cid))
    const max = options.maxBytes ?? DEFAULT_MAX_INDEX_BYTES
    const chunks: Uint8Array[] = []
    let bytes = 0
    let truncated = false
    for await (const chunk of this.#cat(key, options)) {
      const room = max - bytes
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room))
        bytes = max
        truncated = true
        break
      }
      chunks.push(chunk)
      bytes += chunk.length
    }
    let text: string
    try {
      // a cut inside a multi-byte character at the end is dropped (stream mode), any other bad byte is an error
      text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks), { stream: truncated })
    } catch (err) {
      throw new InvalidParameterError('content', `${key} is not UTF-8 text (${(err as Error).message})`)
    }
    const vector = await this.store.indexText(key, text, options)
    const publishedTo = (await this.#network?.published(key, vector, options)) ?? []
    return { cid: key, bytes, truncated, publishedTo }
  }

  /** Starts the semantic DHT over this index on a started libp2p node (`node.start()` does this when online). */
  async goOnline(init: Omit<SemanticNetworkInit, 'store'>): Promise<void> {
    if (this.#network) return
    const net = new SemanticNetwork({ ...init, store: this.store })
    await net.start()
    this.#network = net
  }

  /** The semantic DHT side; throws ERR_OFFLINE when the node is offline. */
  get network(): SemanticNetwork {
    if (!this.#network) throw SemanticNetwork.offlineError()
    return this.#network
  }

  /** Whether the semantic DHT runs (the node is online). */
  get isOnline(): boolean {
    return this.#network !== undefined
  }

  /**
   * The `k` nearest CIDs across the network (this node included), best first, each naming its provider peer. Text is
   * embedded with the index's embedder; a vector must have the index's dimension. Throws ERR_OFFLINE when offline.
   */
  async searchNetwork(
    query: string | Float32Array,
    k = 10,
    options: NetworkSearchOptions = {},
  ): Promise<ProvidedHit[]> {
    return await this.network.search(query, k, options)
  }

  /** Embeds `text` and returns the `k` nearest indexed CIDs. */
  async query(text: string, k = 10, options: SemanticQueryOptions = {}): Promise<SearchHit[]> {
    options.signal?.throwIfAborted()
    const { signal: _signal, ...filter } = options
    return this.store.query(text, k, filter)
  }

  /** The index's size and state, and online the semantic DHT's view. */
  stats(): SemanticStats {
    const store = this.store
    const net = this.#network?.stats()
    return {
      vectors: store.size,
      started: store.isStarted,
      recoveredFromCorruptSnapshot: store.recovery != null,
      ...(net !== undefined
        ? {
            network: {
              peerId: net.peerId,
              knownPeers: net.knownPeers,
              peersWithSummary: net.peersWithSummary,
              recordsHeld: net.recordsHeld,
              queries: net.metrics.queries,
            },
          }
        : {}),
    }
  }

  /** Removes `cid` from the index. */
  delete(cid: string): boolean {
    return this.store.delete(formatCid(parseCid(cid)))
  }

  /** Stops the semantic DHT (if online), then saves and closes the store. */
  async stop(): Promise<void> {
    const net = this.#network
    this.#network = undefined
    try {
      await net?.stop()
    } finally {
      await this.store.stop()
    }
  }
}
