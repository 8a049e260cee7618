import { type CID, formatCid, parseCid } from '@ipfrs/core'
import type { Network } from '@ipfrs/network'
import type { AddCandidate, GetOptions } from '@ipfrs/node-api'
import type { Repo } from '@ipfrs/storage'
import type { AbortOptions } from 'abort-error'
import type { Blockstore } from 'interface-blockstore'
import { diskCandidates } from './disk-candidates.js'
import { readFrames } from './leaf-frames.js'
import { addModelFile, type TensorAddResult, type TensorLayer } from './tensor-layer.js'
import type { AddOptions, AddResult } from './unixfs-add.js'
import type { CatOptions, LsEntry } from './unixfs-read.js'

// the importer and the exporter are loaded by the operations that use them: an add never loads the exporter
const importing = () => import('./unixfs-add.js')
const reading = () => import('./unixfs-read.js')

/** A path to add: a file, or with `recursive` a directory. */
export interface AddPathOptions extends AddOptions {
  recursive?: boolean
  /** Include files whose names start with a dot. */
  hidden?: boolean
}

/**
 * What the UnixFS operations need from their node. Each is read when an operation runs, so on a stopped node they
 * throw as the node's own accessors do.
 */
export interface UnixfsHost {
  repo(): Repo
  /** The network when online, else undefined. */
  network(): Network | undefined
  tensor(): TensorLayer
  /** Starts providing `cid` in the background (online, best effort). */
  provideLater(cid: CID): void
}

/** UnixFS content in and out of a node (`add`, `cat`, `get`, `ls`, `files stat`); `Node` delegates to it. */
export class UnixfsApi {
  readonly #host: UnixfsHost

  constructor(host: UnixfsHost) {
    this.#host = host
  }

  /** Adds bytes as one UnixFS file and returns its root. */
  async addBytes(bytes: Uint8Array, options: AddOptions = {}): Promise<AddResult> {
    return this.#addOne([{ content: toAsync(bytes) }], options)
  }

  /** Adds a file from disk or a byte stream, streaming (memory stays constant whatever the size). */
  async addFile(source: string | AsyncIterable<Uint8Array>, options: AddOptions = {}): Promise<AddResult> {
    if (typeof source !== 'string') return this.#addOne([{ content: source }], options)
    const { addChunkSize } = await importing()
    // read straight into the buffers the leaves are built in (see leaf-frames.ts)
    return this.#addOne([{ content: readFrames(source, addChunkSize(this.#host.repo().config, options)) }], options)
  }

  /** Adds a file or (with `recursive`) a directory from disk; yields every entry, the root last, as `ipfs add -r` prints. */
  async *addPath(path: string, options: AddPathOptions = {}): AsyncGenerator<TensorAddResult> {
    const { addChunkSize } = await importing()
    const candidates = diskCandidates(path, { ...options, chunkSize: addChunkSize(this.#host.repo().config, options) })
    // a .safetensors / .gguf file's root result also says which model it holds (TensorAddResult); nothing more is stored
    yield* addModelFile(path, this.addAll(candidates, options), () => this.#host.tensor(), options)
  }

  /** Adds import candidates (`{ path, content }`), yielding each file and directory; pins the last (the root). */
  async *addAll(
    source: Iterable<AddCandidate> | AsyncIterable<AddCandidate>,
    options: AddOptions = {},
  ): AsyncGenerator<AddResult> {
    const repo = this.#host.repo()
    const { importCandidates } = await importing()
    if (options.onlyHash === true) {
      yield* importCandidates(source, { put: async (cid) => cid }, repo.config, options, true)
      return
    }
    // one write session from the first block to the pin: GC runs alongside but spares every block the add wrote
    // (see GcLock); nothing here waits for GC
    const results: AddResult[] = []
    await repo.gcLock.shared(async () => {
      // the repo's blockstore writes each block to a file and keeps no reference to it: chunk buffers are reused
      for await (const result of importCandidates(source, repo.blockstore, repo.config, options, true))
        results.push(result)
      const root = results.at(-1)
      // the importer has just written every block of the DAG, so the pin need not walk it again
      if (root != null && options.pin !== false) {
        await repo.pins.add(root.cid, { complete: true, signal: options.signal })
      }
    })
    const root = results.at(-1)
    if (root != null && repo.config.Routing.AutoProvide && repo.config.Routing.Type !== 'none')
      this.#host.provideLater(root.cid)
    yield* results
  }

  async #addOne(source: AddCandidate[], options: AddOptions): Promise<AddResult> {
    let last: AddResult | undefined
    for await (const result of this.addAll(source, options)) last = result
    return last!
  }

  /** The bytes of the file at `<cid>[/path]`. */
  async *cat(path: string | CID, options: CatOptions = {}): AsyncGenerator<Uint8Array> {
    const p = pathOf(path)
    const { catEntry } = await reading()
    const read = untilEnd(options)
    try {
      const range = { offset: options.offset, length: options.length }
      yield* catEntry(await this.#fileReader(p, read.options, range), p, read.options)
    } finally {
      read.end() // a read stopped early leaves no TensorSwap fetch and no block read running
    }
  }

  /** Writes the file or directory at `<cid>[/path]` to `out`; returns the bytes written. */
  get(path: string | CID, out: string, options: GetOptions = {}): Promise<number> {
    // a bad CID or a stopped node throws here, at the call, as it did before the exporter was loaded lazily
    const p = pathOf(path)
    const read = untilEnd(options) // as in `cat`: a get that fails (a full disk) ends its fetches
    const reader = this.#reader(p, read.options)
    return Promise.all([reading(), this.#fileReader(p, read.options, {}, reader)])
      .then(([{ getToDisk }, fileReader]) => getToDisk(fileReader, p, out, read.options))
      .finally(read.end)
  }

  /** The type and size of `<cid>[/path]`. */
  async stat(path: string | CID, options: AbortOptions = {}) {
    const p = pathOf(path)
    const { statEntry } = await reading()
    return statEntry(this.#reader(p, options), p, options)
  }

  /** Lists the directory at `<cid>[/path]`. */
  async *ls(path: string | CID, options: AbortOptions = {}): AsyncGenerator<LsEntry> {
    const p = pathOf(path)
    const { lsEntry } = await reading()
    yield* lsEntry(this.#reader(p, options), p, options)
  }

  /**
   * Where the reads of a file's bytes come from: `#reader`, and online, for a file whose root the repo lacks, also
   * TensorSwap from the peers that speak it (see leaf-prefetch.ts; `Routing.TensorSwapFiles`). A path below the root
   * (`<dir>/<file>`) is read through `#reader` alone.
   */
  async #fileReader(
    path: string,
    options: AbortOptions & { signal: AbortSignal },
    range: { offset?: number; length?: number },
    reader = this.#reader(path, options),
  ): Promise<Pick<Blockstore, 'get' | 'has'>> {
    const network = this.#host.network()
    const repo = this.#host.repo()
    if (network == null || !repo.config.Routing.TensorSwapFiles || path.includes('/')) return reader
    const root = parseCid(path)
    if (await repo.blockstore.has(root, options)) return reader
    const swap = await this.#host.tensor().swap()
    if (swap == null) return reader
    const { leafPrefetch } = await import('./leaf-prefetch.js')
    return leafPrefetch({
      root,
      reader,
      local: repo.blockstore,
      swap,
      libp2p: network.libp2p,
      candidates: network.providerHints(root),
      range,
      signal: options.signal,
    })
  }

  /** Where reads of a DAG come from: the repo, and online also peers (one Bitswap session per DAG read). */
  #reader(path: string, options: AbortOptions) {
    const network = this.#host.network()
    if (network == null) return this.#host.repo().blockstore
    return network.session(parseCid(path.split('/')[0] ?? ''), options)
  }
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

/**
 * `options` with a signal that also aborts at `end()`, for a read to end every fetch it started when it ends: the
 * exporter walks a file ahead of its reader, and a read stopped early (or failed) would otherwise leave that walk, and
 * any TensorSwap prefetch, fetching the rest of the file and reporting the failures of those fetches to nobody.
 */
function untilEnd<O extends AbortOptions>(options: O): { options: O & { signal: AbortSignal }; end: () => void } {
  const done = new AbortController()
  const signal = options.signal != null ? AbortSignal.any([done.signal, options.signal]) : done.signal
  return { options: { ...options, signal }, end: () => done.abort() }
}
