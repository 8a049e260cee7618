import { InternalError, type IpfrsError, isIpfrsError } from '@ipfrs/core'
import type { Connection, Stream } from '@libp2p/interface'
import {
  BadMessageError,
  BadPeerError,
  InvalidRecordError,
  MessageTooLargeError,
  RecordRefusedError,
} from './dht-errors.js'
import type { DhtContext } from './dht-init.js'
import { DimensionMismatchError, InvalidParameterError, InvalidVectorError } from './errors.js'
import type { NetworkSearch } from './network-search.js'
import { receivePartialSync, type SyncState } from './partial-sync.js'
import type { SummaryExchange } from './summary-exchange.js'

/** What the inbound handler serves from. */
export interface InboundInit {
  readonly ctx: DhtContext
  readonly exchange: SummaryExchange
  readonly search: NetworkSearch
  /** The partial syncs received so far, per peer. */
  readonly sync: SyncState
  /** Called with a local failure while serving `peer` (the peer only hears `ERR_INTERNAL`). */
  readonly onInternalError: (err: unknown, peer: string) => void
}

/**
 * The protocol handler: serves one incoming exchange per stream. A peer that sends garbage is dropped; one whose
 * request is refused hears why; a local failure is reported to `onInternalError` and the peer hears only
 * `ERR_INTERNAL`.
 */
export function inboundHandler(init: InboundInit): (stream: Stream, connection: Connection) => Promise<void> {
  const { ctx, exchange, search, sync, onInternalError } = init
  const { link, records, settings, metrics } = ctx
  return async (stream, connection) => {
    const id = connection.remotePeer
    const peer = id.toString()
    if (link.isBad(peer)) {
      stream.abort(new BadPeerError(peer))
      return
    }
    const ch = link.channel(stream, peer)
    const signal = AbortSignal.timeout(settings.syncTimeoutMs)
    try {
      const m = await ch.receive({ signal: AbortSignal.any([signal, AbortSignal.timeout(settings.requestTimeoutMs)]) })
      if (m.t === 'sum') {
        exchange.storeSummary(id, m.summary)
        await ch.send({ t: 'ok', n: 1 }, { signal })
      } else if (m.t === 'sumreq') {
        await ch.send({ t: 'sum', summary: exchange.summary() }, { signal })
      } else if (m.t === 'query') {
        metrics.queriesServed++
        const hits = search
          .localSearch(m.vector, m.k)
          .map((h): [string, number, string] => [h.cid, h.score, h.provider])
        await ch.send({ t: 'hits', version: exchange.summary().version, hits }, { signal })
      } else if (m.t === 'announce') {
        for (const r of m.records) records.put({ ...r, provider: peer })
        exchange.notifyIndexChanged() // what we can answer for changed: tell the others
        await ch.send({ t: 'ok', n: m.records.length }, { signal })
      } else if (m.t === 'lput' || m.t === 'lget') {
        const { lsh } = ctx
        if (!lsh) throw new InvalidParameterError('request', 'LSH routing is not enabled on this peer')
        if (m.t === 'lput') await ch.send({ t: 'ok', n: await lsh.accept(peer, m.records, m.malformed) }, { signal })
        else await ch.send({ t: 'lrecs', records: lsh.serve(m.keys, m.vector, m.m) }, { signal })
      } else if (m.t === 'offer') {
        const { recordTtlMs: ttlMs } = settings
        const n = await receivePartialSync(ch, m, { provider: peer, store: records, state: sync, ttlMs, signal })
        if (n > 0 || m.buckets.length === 0) exchange.notifyIndexChanged()
      } else {
        throw new BadMessageError(`unexpected ${m.t} as a request`)
      }
      await ch.close({ signal })
    } catch (err) {
      if (err instanceof BadMessageError || err instanceof MessageTooLargeError) {
        stream.abort(err)
        link.drop(id)
      } else if (stream.writeStatus === 'writable') {
        // the remote hears why its request was refused, never our local failure (paths, OS errors): those stay here
        const reply = forPeer(err)
        // a peer too slow to send its request (or to read the answer) is not a local failure
        const slowPeer = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
        if (reply.code === InternalError.code && !slowPeer) onInternalError(err, id.toString())
        await ch.send({ t: 'err', code: reply.code, message: reply.message }, { signal }).catch(() => undefined)
        await ch.close({ signal }).catch(() => undefined)
      } else {
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      }
    }
  }
}

/** The codes a remote may hear: its request was malformed or out of range. Anything else is ours to keep. */
const PEER_VISIBLE_CODES: ReadonlySet<string> = new Set([
  InvalidRecordError.code,
  RecordRefusedError.code,
  InvalidVectorError.code,
  DimensionMismatchError.code,
  InvalidParameterError.code,
  MessageTooLargeError.code,
])

/** What a peer is told about `err`: the error itself when it is about the peer's request, a generic internal error otherwise. */
export function forPeer(err: unknown): IpfrsError {
  return isIpfrsError(err) && PEER_VISIBLE_CODES.has(err.code) ? err : new InternalError({ cause: err })
}
