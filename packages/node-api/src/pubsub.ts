/** GossipSub topics (Kubo's `pubsub sub|pub|ls|peers`). */

/** A message received on a topic. */
export interface PubsubMessage {
  /** The sender's peer ID ('' for unsigned messages). */
  readonly from: string
  readonly data: Uint8Array
  /** The sequence number (signed messages only). */
  readonly seqno?: bigint
  readonly topic: string
}

export interface PubsubApi {
  /** Subscribes; returns a function that unsubscribes. */
  readonly subscribe: (topic: string, handler: (message: PubsubMessage) => void) => () => void
  readonly publish: (topic: string, data: Uint8Array) => Promise<void>
  /** The topics this node is subscribed to. */
  readonly topics: () => string[]
  /** Peers we know subscribe to `topic` (every topic when omitted). */
  readonly peers: (topic?: string) => string[]
}
