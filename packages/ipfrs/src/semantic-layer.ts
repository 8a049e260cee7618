/**
 * The Node's semantic layer (`node.semantic`): a SemanticStore persisted under `<repo>/semantic`, configured by the
 * repo config's `Semantic` section (the embedder: the Universal Sentence Encoder model or word hashing), restored on
 * start and saved on stop, plus indexing of UnixFS documents by CID: their text, cut into paragraph-sized chunks, one
 * vector per chunk; a query answers each CID once, with its best chunk as a snippet.
 */
import { rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { formatCid, type InvalidConfigError, type NodeConfig, parseCid } from '@ipfrs/core'
import type {
  ReindexResult,
  SemanticApi,
  SemanticDhtRoutingStats,
  SemanticHit,
  SemanticQueryOptions,
  SemanticStats,
} from '@ipfrs/node-api'
import {
  chunkText,
  EmbedderMismatchError,
  extractText,
  InvalidParameterError,
  type LshRoutingStatus,
  type NetworkSearchOptions,
  normalized,
  type ProvidedHit,
  type SemanticStore,
  snippetOf,
} from '@ipfrs/semantic'
import type { AbortOptions } from 'abort-error'
import { semanticDisabledError } from './errors.js'
import { chunkKey, cidOfKey, SemanticDocuments } from './semantic-documents.js'
import { SemanticNetwork, type SemanticNetworkInit } from './semantic-network.js'
import { lshShape, openStore, savedKeys } from './semantic-setup.js'

/** What `goOnline` needs: the started libp2p node, and for DHT routing its kad-dht and identity key. */
export interface OnlineInit extends Omit<SemanticNetworkInit, 'store' | 'dhtRouting'> {
  /** kad-dht (`libp2p.peerRouting`); absent when the node routes with none (`Routing.Type: none`). */
  readonly peerRouting?: NonNullable<SemanticNetworkInit['dhtRouting']>['peerRouting']
  readonly privateKey?: NonNullable<SemanticNetworkInit['dhtRouting']>['privateKey']
}

/** Reads the bytes of the UnixFS file at a path (`node.cat`). */
export type CatFn = (path: string, options: AbortOptions) => AsyncIterable<Uint8Array>

/** What `indexCid` stored. */
export interface IndexCidResult {
  readonly cid: string
  /** Bytes of the file read (at most `maxBytes`). */
  readonly bytes: number
  /** Whether the file was longer than `maxBytes` and only its start was embedded. */
  readonly truncated: boolean
  /** Online: the peers that took a record saying this node provides the CID (empty offline or with no peers). */
  readonly publishedTo: readonly string[]
  /** What the text was read as. */
  readonly kind: string
  /** Chunks embedded. */
  readonly chunks: number
}

/** Files longer than this are embedded by their first MiB. */
export const DEFAULT_MAX_INDEX_BYTES = 1024 * 1024

/** `node.semantic`: the store plus CID-aware indexing. */
export class SemanticLayer implements SemanticApi {
  #store: SemanticStore
  readonly #cat: CatFn
  readonly #dir: string
  readonly #config: NodeConfig['Semantic']
  readonly #documents: SemanticDocuments
  /** Set when the saved index was made by another embedder: nothing but reindex and stats works until a reindex. */
  #mismatch: EmbedderMismatchError | undefined
  #network: SemanticNetwork | undefined
  #networkInit: OnlineInit | undefined

  private constructor(store: SemanticStore, cat: CatFn, dir: string, config: NodeConfig['Semantic']) {
    this.#store = store
    this.#cat = cat
    this.#dir = dir
    this.#config = config
    this.#documents = new SemanticDocuments(dir)
  }

  /**
   * Opens (and starts) the semantic store of the repo at `repoPath` as `config.Semantic` says. Throws
   * InvalidConfigError when the section is disabled; ERR_EMBEDDER_UNAVAILABLE when the model cannot be loaded. An
   * index another embedder made opens in a refusing state (every call but `reindex` and `stats` throws
   * ERR_EMBEDDER_MISMATCH).
   */
  static async open(repoPath: string, config: NodeConfig, cat: CatFn): Promise<SemanticLayer> {
    const c = config.Semantic
    if (c?.Enabled !== true) throw SemanticLayer.disabledError()
    const dir = join(repoPath, 'semantic')
    const layer = new SemanticLayer(await openStore(dir, c), cat, dir, c)
    try {
      await layer.#store.start()
    } catch (err) {
      if (!(err instanceof EmbedderMismatchError)) throw err
      layer.#mismatch = err
    }
    await layer.#documents.load()
    return layer
  }

  /** The error `node.semantic` throws when the config disables the semantic index. */
  static disabledError(): InvalidConfigError {
    return semanticDisabledError()
  }

  /** The vector store (its index holds one vector per chunk). */
  get store(): SemanticStore {
    return this.#store
  }

  /**
   * Reads the UnixFS file at `cid` (its first `maxBytes`), extracts its text (plain, markdown, HTML without tags,
   * JSON strings), embeds it chunk by chunk and stores one vector per chunk, replacing what the CID had. Content that
   * is not text throws ERR_INVALID_PARAMETER (callers indexing many files report it and go on).
   */
  async indexCid(cid: string, options: AbortOptions & { maxBytes?: number } = {}): Promise<IndexCidResult> {
    this.#assertUsable()
    const key = formatCid(parseCid(cid))
    const { bytes, truncated, data } = await this.#read(key, options.maxBytes ?? DEFAULT_MAX_INDEX_BYTES, options)
    const extracted = extractText(data, { truncated })
    if (extracted.kind === 'binary') {
      throw new InvalidParameterError('content', `${key} is not text (${extracted.reason}); skipped`)
    }
    const chunks = chunkText(extracted.text)
    if (chunks.length === 0) throw new InvalidParameterError('content', `${key} has no words to index; skipped`)
    const vectors = await this.#store.embedder.embedBatch(
      chunks.map((c) => c.text),
      options,
    )
    this.#removeChunks(key)
    for (const [i, v] of vectors.entries()) this.#store.putWithVector(chunkKey(key, i, chunks[i]!.offset), v)
    this.#documents.set(key, {
      kind: extracted.kind,
      chunks: chunks.map((c) => ({ offset: c.offset, snippet: snippetOf(c.text) })),
    })
    const publishedTo = (await this.#network?.published(key, centroid(vectors), options)) ?? []
    return { cid: key, bytes, truncated, publishedTo, kind: extracted.kind, chunks: chunks.length }
  }

  async #read(cid: string, max: number, options: AbortOptions) {
    const parts: Uint8Array[] = []
    let bytes = 0
    let truncated = false
    for await (const chunk of this.#cat(cid, options)) {
      const room = max - bytes
      if (chunk.length > room) {
        parts.push(chunk.subarray(0, room))
        bytes = max
        truncated = true
        break
      }
      parts.push(chunk)
      bytes += chunk.length
    }
    return { bytes, truncated, data: Buffer.concat(parts) }
  }

  #removeChunks(cid: string): boolean {
    let removed = false
    // its chunks, and the CID itself for a vector stored under it without a document
    for (const key of new Set([...this.#documents.keysOf(cid), cid])) removed = this.#store.delete(key) || removed
    return this.#documents.delete(cid) || removed
  }

  /**
   * Starts the semantic DHT over this index on a started libp2p node (`node.start()` does this when online); with
   * `Semantic.DhtRouting` and a kad-dht, each document is also published on the DHT as LSH records.
   */
  async goOnline(init: OnlineInit): Promise<void> {
    if (this.#network) return
    this.#networkInit = init
    if (this.#mismatch !== undefined) return // started by reindex, once the index fits the embedder
    const { peerRouting, privateKey, ...rest } = init
    const routing =
      this.#config.DhtRouting !== false && peerRouting !== undefined
        ? {
            peerRouting,
            documents: () => this.#documentVectors(),
            lsh: lshShape(this.#config),
            ...(privateKey ? { privateKey } : {}),
          }
        : undefined
    const net = new SemanticNetwork({ ...rest, store: this.#store, ...(routing ? { dhtRouting: routing } : {}) })
    await net.start()
    this.#network = net
    if (routing) net.dht.lsh?.enqueue(this.#documentVectors()) // what was indexed before: published in the background
  }

  /** One (CID, vector) per indexed document: the normalised mean of its chunks, what it is about as a whole. */
  *#documentVectors(): IterableIterator<[string, Float32Array]> {
    for (const cid of this.#documents.cids()) {
      const vectors = this.#documents.keysOf(cid).flatMap((k) => this.#store.get(k) ?? [])
      if (vectors.length > 0) yield [cid, centroid(vectors)]
    }
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
    this.#assertUsable()
    const hits = await this.network.search(query, k * 4, options)
    const seen = new Set<string>()
    const out: ProvidedHit[] = []
    for (const h of hits) {
      // each CID once, from its best-scoring chunk or record (hits come best first)
      const cid = cidOfKey(h.cid)
      if (seen.has(cid)) continue
      seen.add(cid)
      out.push({ ...h, cid })
      if (out.length === k) break
    }
    return out
  }

  /** Embeds `text` and returns the `k` nearest indexed CIDs, each once, with its best chunk's offset and snippet. */
  async query(text: string, k = 10, options: SemanticQueryOptions = {}): Promise<SemanticHit[]> {
    options.signal?.throwIfAborted()
    this.#assertUsable()
    const { signal, maxResults, ...filter } = options
    const vector = await this.#store.embedder.embed(text, { signal })
    const best = new Map<string, SemanticHit>()
    // chunks of one document crowd each other out: widen the search until k documents are found (or all of them)
    for (let want = k * 4; ; want *= 4) {
      const hits = this.#store.searchFiltered(vector, Math.min(want, this.#store.size), filter)
      best.clear()
      for (const h of hits) {
        const cid = cidOfKey(h.cid)
        if (best.has(cid)) continue
        const chunk = this.#documents.chunkOf(h.cid)
        best.set(cid, { cid, score: h.score, ...(chunk ? { offset: chunk.offset, snippet: chunk.snippet } : {}) })
      }
      if (best.size >= k || want >= this.#store.size) break
    }
    const out = [...best.values()].slice(0, k)
    return maxResults === undefined ? out : out.slice(0, maxResults)
  }

  /** The index's size and state, and online the semantic DHT's view. */
  stats(): SemanticStats {
    const store = this.#store
    const net = this.#network?.stats()
    return {
      vectors: store.size,
      started: store.isStarted,
      recoveredFromCorruptSnapshot: store.recovery != null,
      embedder: store.embedder.id ?? `unnamed/${store.embedder.dimension}`,
      documents: this.#documents.size,
      ...(this.#mismatch !== undefined ? { mismatch: this.#mismatch.message } : {}),
      ...(net !== undefined
        ? {
            network: {
              peerId: net.peerId,
              knownPeers: net.knownPeers,
              peersWithSummary: net.peersWithSummary,
              recordsHeld: net.recordsHeld,
              queries: net.metrics.queries,
              ...(net.metrics.lsh ? { dhtRouting: dhtRoutingStats(net.metrics.lsh) } : {}),
            },
          }
        : {}),
    }
  }

  /** Removes `cid` (every chunk of it) from the index. */
  delete(cid: string): boolean {
    this.#assertUsable()
    return this.#removeChunks(cidOfKey(cid))
  }

  /**
   * Embeds every indexed CID again with the configured embedder, into a new index that replaces the old one (which
   * is kept until the new one is saved). Vectors stored with `putWithVector` under keys that are not documents of
   * this repo cannot be re-embedded and are dropped (listed in `skipped`).
   */
  async reindex(options: AbortOptions = {}): Promise<ReindexResult> {
    const cids = new Set([
      ...this.#documents.cids(),
      ...(await savedKeys(this.#store, this.#dir, this.#config.Metric)).map(cidOfKey),
    ])
    const net = this.#network
    this.#network = undefined
    await net?.stop()
    if (this.#store.isStarted) await this.#store.stop()
    const old = `${this.#dir}.reindex-${Date.now()}`
    await rename(this.#dir, old)
    this.#store = await openStore(this.#dir, this.#config)
    await this.#store.start()
    this.#mismatch = undefined
    for (const cid of this.#documents.cids()) this.#documents.delete(cid)
    const skipped: Array<{ cid: string; reason: string }> = []
    let reindexed = 0
    for (const cid of cids) {
      try {
        await this.indexCid(cid, options)
        reindexed++
      } catch (err) {
        if (options.signal?.aborted) throw err
        skipped.push({ cid, reason: (err as Error).message })
      }
    }
    await this.#store.saveFull()
    await this.#documents.save()
    await rm(old, { recursive: true, force: true })
    if (this.#networkInit !== undefined) await this.goOnline(this.#networkInit)
    return { reindexed, skipped, embedder: this.#store.embedder.id ?? '' }
  }

  /** Stops the semantic DHT (if online), then saves and closes the store and ends the embedder's workers. */
  async stop(): Promise<void> {
    const net = this.#network
    this.#network = undefined
    try {
      await net?.stop()
    } finally {
      await this.#documents.save()
      await this.#store.stop()
      await (this.#store.embedder as { close?: () => Promise<void> }).close?.()
    }
  }

  #assertUsable(): void {
    if (this.#mismatch !== undefined) throw this.#mismatch
  }
}

/** The LSH path's counters as `semantic stats` reports them. */
function dhtRoutingStats(m: LshRoutingStatus): SemanticDhtRoutingStats {
  const { lastProvideAt: _, ...rest } = m
  return rest
}

/** The normalised mean of a document's chunk vectors: what the document as a whole is about. */
function centroid(vectors: readonly Float32Array[]): Float32Array {
  if (vectors.length === 1) return vectors[0]!
  const sum = new Float32Array(vectors[0]!.length)
  for (const v of vectors) for (let i = 0; i < v.length; i++) sum[i] = sum[i]! + v[i]!
  return normalized(sum)
}
