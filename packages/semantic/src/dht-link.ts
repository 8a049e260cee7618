/**
 * The semantic DHT's transport: Channel (one length-prefixed msgpack exchange over a libp2p stream) and PeerLink
 * (outgoing requests with timeouts, and the list of peers dropped for sending garbage).
 */
import { isIpfrsError } from '@ipfrs/core'
import type { AbortOptions, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils'
import { encodingLength } from 'uint8-varint'
import {
  BadMessageError,
  BadPeerError,
  MessageTooLargeError,
  PeerRequestError,
  PeerTimeoutError,
} from './dht-errors.js'
import { type DhtMessage, decodeMessage, encodeMessage, SEMANTIC_PROTOCOL } from './dht-protocol.js'

/** Counts bytes moving over channels. */
export interface ByteCounter {
  sent(n: number): void
  received(n: number): void
}

/**
 * One length-prefixed msgpack exchange over a libp2p stream, with the size limit enforced on both directions and
 * stream errors turned into typed errors (`MessageTooLargeError`, `BadMessageError`, `PeerRequestError`).
 */
export class Channel {
  readonly stream: Stream
  readonly #lp: LengthPrefixedStream<Stream>
  readonly #max: number
  readonly #counter: ByteCounter | undefined
  readonly #peer: string

  constructor(stream: Stream, peer: string, maxBytes: number, counter?: ByteCounter) {
    this.stream = stream
    this.#peer = peer
    this.#max = maxBytes
    this.#counter = counter
    this.#lp = lpStream(stream, { maxDataLength: maxBytes, maxBufferSize: maxBytes + 16 })
  }

  /** Sends one message. */
  async send(m: DhtMessage, options: AbortOptions = {}): Promise<void> {
    const bytes = encodeMessage(m, this.#max)
    await this.#lp.write(bytes, options)
    this.#counter?.sent(bytes.byteLength + encodingLength(bytes.byteLength))
  }

  /** Receives one message; a remote `err` message is returned, not thrown. */
  async receive(options: AbortOptions = {}): Promise<DhtMessage> {
    let data: Uint8Array
    try {
      data = (await this.#lp.read(options)).subarray()
    } catch (err) {
      options.signal?.throwIfAborted()
      const name = (err as Error).name
      if (
        name === 'InvalidDataLengthError' ||
        name === 'InvalidDataLengthLengthError' ||
        name === 'StreamBufferError'
      ) {
        throw new MessageTooLargeError(this.#max, undefined, { cause: err })
      }
      if (name === 'InvalidMessageLengthError') throw new BadMessageError('bad length prefix', { cause: err })
      throw new PeerRequestError(this.#peer, (err as Error).message, { cause: err })
    }
    this.#counter?.received(data.byteLength + encodingLength(data.byteLength))
    return decodeMessage(data, this.#max)
  }

  /** Closes our side gracefully (errors ignored). */
  async close(options: AbortOptions = {}): Promise<void> {
    await this.stream.close(options).catch(() => this.stream.abort(new Error('close failed')))
  }
}

/** Bytes moved by one exchange. */
export interface Tally {
  sent: number
  received: number
}

/** What a PeerLink needs from libp2p and from its owner. */
export interface PeerLinkInit {
  readonly libp2p: Pick<Libp2p, 'dialProtocol' | 'hangUp'>
  readonly maxMessageBytes: number
  /** How long a dropped peer stays bad. */
  readonly badPeerMs: number
  /** Every byte moved, in both directions (for metrics). */
  readonly counter: ByteCounter
  /** Called once per drop (after the hang-up was started). */
  readonly onDrop: (peer: string) => void
  readonly onTimeout: () => void
}

/**
 * The transport side of the DHT: opens one stream per exchange with a per-request timeout, wraps inbound streams,
 * and drops peers that send garbage or oversized messages (hang up, and refuse them for `badPeerMs`).
 */
export class PeerLink {
  readonly #init: PeerLinkInit
  readonly #bad = new Map<string, number>()

  constructor(init: PeerLinkInit) {
    this.#init = init
  }

  /** Whether `peer` is currently remembered as bad. */
  isBad(peer: { toString(): string }): boolean {
    const until = this.#bad.get(peer.toString())
    if (until === undefined) return false
    if (until > Date.now()) return true
    this.#bad.delete(peer.toString())
    return false
  }

  /** Hangs up on `id` and remembers it as bad. */
  drop(id: PeerId): void {
    const peer = id.toString()
    const fresh = !this.isBad(peer)
    this.#bad.set(peer, Date.now() + this.#init.badPeerMs)
    void this.#init.libp2p.hangUp(id).catch(() => undefined)
    if (fresh) this.#init.onDrop(peer)
  }

  /** A channel over an inbound stream. */
  channel(stream: Stream, peer: string, tally?: Tally): Channel {
    return new Channel(stream, peer, this.#init.maxMessageBytes, this.#count(tally))
  }

  /**
   * One outgoing exchange on a new stream. Throws `PeerTimeoutError` after `timeoutMs`, `BadPeerError` for a dropped
   * peer, the typed error of bad input (dropping the peer for garbage), or `PeerRequestError`.
   */
  async request<T>(
    id: PeerId,
    timeoutMs: number,
    options: AbortOptions,
    exchange: (ch: Channel, signal: AbortSignal) => Promise<T>,
    tally?: Tally,
  ): Promise<T> {
    const peer = id.toString()
    if (this.isBad(peer)) throw new BadPeerError(peer)
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout
    let stream: Stream | undefined
    try {
      stream = await this.#init.libp2p.dialProtocol(id, SEMANTIC_PROTOCOL, { signal })
      const ch = this.channel(stream, peer, tally)
      const result = await exchange(ch, signal)
      await ch.close({ signal })
      return result
    } catch (err) {
      stream?.abort(err instanceof Error ? err : new Error(String(err)))
      options.signal?.throwIfAborted()
      if (timeout.aborted) {
        this.#init.onTimeout()
        throw new PeerTimeoutError(peer, timeoutMs, { cause: err })
      }
      if (err instanceof BadMessageError || err instanceof MessageTooLargeError) this.drop(id)
      if (isIpfrsError(err)) throw err
      throw new PeerRequestError(peer, (err as Error).message, { cause: err })
    }
  }

  /** Sends one request and returns the reply, which must be of type `expect` (an `err` reply throws). */
  async ask<T extends DhtMessage['t']>(
    id: PeerId,
    timeoutMs: number,
    request: DhtMessage,
    expect: T,
    options: AbortOptions,
    tally?: Tally,
  ): Promise<Extract<DhtMessage, { t: T }>> {
    const exchange = async (ch: Channel, signal: AbortSignal) => {
      await ch.send(request, { signal })
      const m = await ch.receive({ signal })
      if (m.t === 'err') throw new PeerRequestError(id.toString(), `${m.code}: ${m.message}`, { remoteCode: m.code })
      if (m.t !== expect) throw new BadMessageError(`expected ${expect}, got ${m.t}`)
      return m as Extract<DhtMessage, { t: T }>
    }
    return this.request(id, timeoutMs, options, exchange, tally)
  }

  #count(tally?: Tally): ByteCounter {
    const { counter } = this.#init
    return {
      sent: (n) => {
        counter.sent(n)
        if (tally) tally.sent += n
      },
      received: (n) => {
        counter.received(n)
        if (tally) tally.received += n
      },
    }
  }
}
