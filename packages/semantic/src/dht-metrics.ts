import type { LshRoutingStatus } from './lsh-routing.js'

/** Counters of a SemanticDht since it was created (a snapshot: the object does not change afterwards). */
export interface SemanticDhtMetrics {
  /** Network searches run (`searchSimilar`). */
  readonly queries: number
  /** Query requests sent to peers, summed over all searches. */
  readonly peersContacted: number
  /** Rounds of parallel batches, summed over all searches (one round = one network hop). */
  readonly hops: number
  /** Bytes written / read on `/ipfrs/semantic/1.0.0` streams (payload plus length prefix), every message type. */
  readonly bytesSent: number
  readonly bytesReceived: number
  /** Query requests served for other peers. */
  readonly queriesServed: number
  /** Requests that hit the per-request timeout. */
  readonly timeouts: number
  /** Peers dropped for sending garbage or oversized messages. */
  readonly badPeers: number
  /** Records held for other providers right now. */
  readonly recordsHeld: number
  /** Summaries received from peers. */
  readonly summariesReceived: number
  /** The last search: peers asked, rounds, and bytes moved. */
  readonly lastQuery?: { readonly peersContacted: number; readonly hops: number; readonly bytes: number }
  /** Recall of pruned search against asking every peer, from the last `estimateRecall` run (absent until then). */
  readonly recallEstimate?: number
  /** The LSH record path (records held, refused by reason, lookups, recall estimate), when enabled. */
  readonly lsh?: LshRoutingStatus
}

/** The mutable counters behind `SemanticDht.metrics()`. */
export class MetricsRecorder {
  queries = 0
  peersContacted = 0
  hops = 0
  bytesSent = 0
  bytesReceived = 0
  queriesServed = 0
  timeouts = 0
  badPeers = 0
  summariesReceived = 0
  lastQuery: SemanticDhtMetrics['lastQuery']
  recallEstimate: number | undefined

  /** Counts bytes written (a `ByteCounter`). */
  sent(n: number): void {
    this.bytesSent += n
  }

  /** Counts bytes read (a `ByteCounter`). */
  received(n: number): void {
    this.bytesReceived += n
  }

  /** A frozen snapshot, with the current number of held records. */
  snapshot(recordsHeld: number): SemanticDhtMetrics {
    return Object.freeze({
      queries: this.queries,
      peersContacted: this.peersContacted,
      hops: this.hops,
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
      queriesServed: this.queriesServed,
      timeouts: this.timeouts,
      badPeers: this.badPeers,
      recordsHeld,
      summariesReceived: this.summariesReceived,
      ...(this.lastQuery === undefined ? {} : { lastQuery: this.lastQuery }),
      ...(this.recallEstimate === undefined ? {} : { recallEstimate: this.recallEstimate }),
    })
  }
}
