/**
 * The serving side of TensorSwap: answers `/ipfrs/tensorswap/1.0.0` streams for any manifest whose block is in the
 * local blockstore. Per stream it sends the manifest (when asked), a HEADER, then CHUNK frames in the order the
 * client wants them, never more than the credit the client granted. A client that breaks the protocol (malformed
 * frame, oversized frame, index out of range, excessive credit) is dropped: stream reset and connection closed.
 */
import { isIpfrsError } from '@ipfrs/core'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { readBlock } from './chunking.js'
import { InvalidManifestError, UnsupportedFileLayoutError } from './errors.js'
import { type BlockGetter, fileIndex, isFileCid } from './file-index.js'
import { SenderCredit } from './flow-control.js'
import { FrameReader, sendFrame } from './frame-stream.js'
import { FLAG_SEND_MANIFEST, type Frame, FrameType, MAX_CONTROL_FRAME_SIZE, TENSORSWAP_PROTOCOL } from './frames.js'
import type { TensorManifest } from './manifest.js'
import { decodeManifest } from './manifest-codec.js'
import { isPeerFault, TensorSwapProtocolError } from './swap-errors.js'

/** What the server needs: a libp2p node to register on, and the blockstore it serves from. */
export interface TensorSwapServerInit {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle'>
  /** The local blockstore (reads pass `offline: true`, so a Helia blockstore never goes to the network). */
  blockstore: Pick<Blockstore, 'get' | 'has'>
  /** Concurrent TensorSwap streams per connection (default 32). */
  maxInboundStreams?: number
}

/** Counters of a server since it started. */
export interface TensorSwapServerStats {
  /** Streams served since start. */
  streams: number
  /** Streams being served now. */
  active: number
  chunksSent: number
  /** Chunk payload bytes sent. */
  bytesSent: number
  /** Most chunks ever in flight on one stream (sent, not yet credited back): never above the client's window. */
  maxInFlight: number
  /** Peers dropped for protocol violations. */
  violations: number
  /** The code of the latest violation (e.g. `ERR_FRAME_TOO_LARGE`). */
  lastViolation?: string
}

/** Serves TensorSwap streams from a blockstore. `start()` registers the protocol handler, `stop()` removes it. */
export class TensorSwapServer {
  readonly stats: TensorSwapServerStats = {
    streams: 0,
    active: 0,
    chunksSent: 0,
    bytesSent: 0,
    maxInFlight: 0,
    violations: 0,
  }
  readonly #init: TensorSwapServerInit
  readonly #active = new Set<Stream>()
  readonly #files = new Map<string, Promise<TensorManifest>>()
  #started = false

  constructor(init: TensorSwapServerInit) {
    this.#init = init
  }

  async start(): Promise<void> {
    if (this.#started) return
    await this.#init.libp2p.handle(TENSORSWAP_PROTOCOL, (stream, connection) => this.#serve(stream, connection), {
      maxInboundStreams: this.#init.maxInboundStreams ?? 32,
    })
    this.#started = true
  }

  async stop(): Promise<void> {
    if (!this.#started) return
    this.#started = false
    await this.#init.libp2p.unhandle(TENSORSWAP_PROTOCOL)
    for (const s of this.#active) s.abort(new Error('tensorswap server stopped'))
    this.#active.clear()
  }

  async #serve(stream: Stream, connection: Connection): Promise<void> {
    this.stats.streams++
    this.stats.active++
    this.#active.add(stream)
    const reader = new FrameReader(stream, MAX_CONTROL_FRAME_SIZE)
    try {
      await this.#session(stream, reader)
      await stream.close().catch(() => undefined)
    } catch (err) {
      if (isPeerFault(err)) {
        this.stats.violations++
        this.stats.lastViolation = (err as { code?: string }).code
        stream.abort(err as Error)
        connection.abort(err as Error)
      } else {
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      }
    } finally {
      this.stats.active--
      this.#active.delete(stream)
      await reader.close().catch(() => undefined)
    }
  }

  async #session(stream: Stream, reader: FrameReader): Promise<void> {
    const request = await reader.next()
    if (request === undefined) return
    if (request.type !== FrameType.REQUEST) throw new TensorSwapProtocolError(`expected REQUEST, got 0x${hex(request)}`)
    const credit = new SenderCredit(request.credit)
    const loaded = await this.#manifest(request.cid)
    if ('error' in loaded) {
      await sendFrame(stream, { type: FrameType.ERROR, code: loaded.error, message: loaded.message })
      return
    }
    const { manifest, bytes } = loaded
    if ((request.flags & FLAG_SEND_MANIFEST) !== 0) {
      if (bytes === undefined) {
        // a file's manifest is derived from its DAG by each side, never sent
        const message = `${request.cid} is a UnixFS file: derive its manifest from the DAG`
        await sendFrame(stream, { type: FrameType.ERROR, code: InvalidManifestError.code, message })
        return
      }
      await sendFrame(stream, { type: FrameType.MANIFEST, bytes })
    }
    await sendFrame(stream, {
      type: FrameType.HEADER,
      cid: request.cid,
      dtype: manifest.dtype,
      shape: [...manifest.shape],
      strides: [...manifest.strides],
      byteLength: manifest.byteLength,
      chunkSize: manifest.chunkSize,
      chunkCount: manifest.chunks.length,
    })

    const queue = new WantQueue(manifest.chunks.length)
    queue.add(request.wants)
    let ended = false
    let failure: unknown
    // the client's control frames: more wants, cancellations, credit; the end of its writes ends the session
    const control = (async () => {
      try {
        for (;;) {
          const frame = await reader.next()
          if (frame === undefined) break
          if (frame.type === FrameType.WANT) queue.add(frame.indexes)
          else if (frame.type === FrameType.CANCEL) queue.cancel(frame.indexes)
          else if (frame.type === FrameType.CREDIT) credit.grant(frame.credit)
          else throw new TensorSwapProtocolError(`unexpected frame 0x${hex(frame)} from client`)
          credit.wake()
        }
      } catch (err) {
        failure = err
      } finally {
        ended = true
        credit.wake()
      }
    })()

    // the next few queued chunks are read while this one is sent: a disk blockstore's read is a thread-pool round trip,
    // and one at a time it left the stream idle between chunks
    const readAhead = Math.max(1, Math.min(READ_AHEAD, Math.floor(READ_AHEAD_BYTES / Math.max(1, manifest.chunkSize))))
    const reads = new Map<number, Promise<Uint8Array | undefined>>()
    const read = (index: number) =>
      readBlock(this.#init.blockstore as Blockstore, manifest.chunks[index] as CID, { offline: true } as never).catch(
        () => undefined,
      )
    while (!ended) {
      if (credit.available === 0 || queue.size === 0) {
        await credit.wait()
        continue
      }
      const index = queue.shift() as number
      const pending = reads.get(index) ?? read(index)
      const next = queue.peek(readAhead)
      for (const i of reads.keys()) if (!next.includes(i)) reads.delete(i) // sent now, or cancelled meanwhile
      for (const i of next) if (!reads.has(i)) reads.set(i, read(i))
      const chunk = await pending
      if (chunk === undefined) {
        await sendFrame(stream, { type: FrameType.DONT_HAVE, indexes: [index] })
        continue
      }
      credit.take()
      await sendFrame(stream, { type: FrameType.CHUNK, index, bytes: chunk })
      this.stats.chunksSent++
      this.stats.bytesSent += chunk.byteLength
      if (credit.maxInFlight > this.stats.maxInFlight) this.stats.maxInFlight = credit.maxInFlight
    }
    await control
    if (failure !== undefined) throw failure
  }

  async #manifest(
    cid: CID,
  ): Promise<{ manifest: TensorManifest; bytes?: Uint8Array } | { error: string; message: string }> {
    if (isFileCid(cid)) return this.#fileManifest(cid)
    let bytes: Uint8Array
    try {
      if (!(await this.#init.blockstore.has(cid))) return { error: 'ERR_NOT_FOUND', message: `no block ${cid}` }
      bytes = await readBlock(this.#init.blockstore as Blockstore, cid, { offline: true } as never)
    } catch {
      return { error: 'ERR_NOT_FOUND', message: `no block ${cid}` }
    }
    try {
      return { manifest: decodeManifest(bytes, cid), bytes }
    } catch (err) {
      // the block is here but is not a manifest: say so, never pass on a local error's code or message
      if (isIpfrsError(err, InvalidManifestError.code)) return { error: err.code, message: err.message }
      return { error: InvalidManifestError.code, message: `block ${cid} is not a tensor manifest` }
    }
  }

  /** The 'unixfs' manifest of a file DAG held here (internal nodes read offline; a few cached). */
  async #fileManifest(cid: CID): Promise<{ manifest: TensorManifest } | { error: string; message: string }> {
    const key = cid.toString()
    let pending = this.#files.get(key)
    if (pending === undefined) {
      const get: BlockGetter = (c, o) =>
        readBlock(this.#init.blockstore as Blockstore, c, { ...o, offline: true } as never)
      pending = fileIndex(get, cid)
      this.#files.set(key, pending)
      if (this.#files.size > FILE_CACHE) this.#files.delete(this.#files.keys().next().value as string)
      pending.catch(() => this.#files.delete(key))
    }
    try {
      return { manifest: await pending }
    } catch (err) {
      if (isIpfrsError(err, UnsupportedFileLayoutError.code)) return { error: err.code, message: err.message }
      return { error: 'ERR_NOT_FOUND', message: `no file ${cid}` }
    }
  }
}

/** How many file manifests a server keeps derived. */
const FILE_CACHE = 16

/** The chunk indexes a client wants, in its order; duplicates ignored, cancelled ones skipped. */
/** Chunks a session reads ahead of the one it sends, and the bytes they may hold at most. */
const READ_AHEAD = 4
const READ_AHEAD_BYTES = 8 * 1024 * 1024

class WantQueue {
  readonly #count: number
  readonly #order: number[] = []
  #head = 0
  readonly #queued = new Set<number>()

  constructor(count: number) {
    this.#count = count
  }

  get size(): number {
    return this.#queued.size
  }

  add(indexes: readonly number[]): void {
    for (const i of indexes) {
      if (i >= this.#count) throw new TensorSwapProtocolError(`wanted chunk ${i} of ${this.#count}`)
      if (this.#queued.has(i)) continue
      this.#queued.add(i)
      this.#order.push(i)
    }
  }

  cancel(indexes: readonly number[]): void {
    for (const i of indexes) this.#queued.delete(i)
  }

  /** Up to `n` indexes next in line, left queued. */
  peek(n: number): number[] {
    const out: number[] = []
    for (let j = this.#head; j < this.#order.length && out.length < n; j++) {
      const i = this.#order[j] as number
      if (this.#queued.has(i) && !out.includes(i)) out.push(i)
    }
    return out
  }

  shift(): number | undefined {
    while (this.#head < this.#order.length) {
      const i = this.#order[this.#head++] as number
      if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
        this.#order.splice(0, this.#head)
        this.#head = 0
      }
      if (this.#queued.delete(i)) return i
    }
    return undefined
  }
}

function hex(frame: Frame): string {
  return frame.type.toString(16)
}
