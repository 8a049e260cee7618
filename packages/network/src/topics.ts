import type { Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import type { Network } from './network.js'

/** A GossipSub message as Kubo's `pubsub sub` reports it. */
export interface TopicMessage {
  readonly from: string
  readonly data: Uint8Array
  readonly seqno?: bigint
  readonly topic: string
}

interface GossipSub {
  subscribe(topic: string): void
  unsubscribe(topic: string): void
  getTopics(): string[]
  getSubscribers(topic: string): PeerId[]
  getPeers(): PeerId[]
  addEventListener(e: 'message', l: (evt: CustomEvent<Message>) => void): void
  removeEventListener(e: 'message', l: (evt: CustomEvent<Message>) => void): void
}

/**
 * Kubo's pubsub over the network's GossipSub (`/meshsub/1.1.0`): subscriptions are counted per topic, so two
 * subscribers of one topic can each unsubscribe without cutting the other off, and a message this node publishes
 * reaches its own subscribers too, as in Kubo (the network's GossipSub does not echo our own messages).
 */
export class Topics {
  readonly #network: Network
  readonly #handlers = new Map<string, Set<(message: TopicMessage) => void>>()

  constructor(network: Network) {
    this.#network = network
  }

  get #pubsub(): GossipSub {
    return this.#network.libp2p.services.pubsub as GossipSub
  }

  /** Subscribes to `topic`; returns a function that unsubscribes. */
  subscribe(topic: string, handler: (message: TopicMessage) => void): () => void {
    const pubsub = this.#pubsub
    const listener = (evt: CustomEvent<Message>) => {
      const m = evt.detail
      if (m.topic !== topic) return
      if (m.type === 'signed') handler({ from: m.from.toString(), data: m.data, seqno: m.sequenceNumber, topic })
      else handler({ from: '', data: m.data, topic })
    }
    pubsub.addEventListener('message', listener)
    const handlers = this.#handlers.get(topic) ?? new Set()
    handlers.add(handler)
    this.#handlers.set(topic, handlers)
    pubsub.subscribe(topic)
    let done = false
    return () => {
      if (done) return
      done = true
      pubsub.removeEventListener('message', listener)
      handlers.delete(handler)
      if (handlers.size === 0) {
        this.#handlers.delete(topic)
        pubsub.unsubscribe(topic)
      }
    }
  }

  /** Publishes to the topic's peers and to this node's own subscribers. */
  async publish(topic: string, data: Uint8Array): Promise<void> {
    await this.#network.publish(topic, data)
    const from = this.#network.peerId.toString()
    for (const handler of this.#handlers.get(topic) ?? []) handler({ from, data, topic })
  }

  /** Topics with a subscriber here (GossipSub's own internal topics, such as block announcements, left out). */
  topics(): string[] {
    return [...this.#handlers.keys()].sort()
  }

  /** Peers subscribed to `topic`, or every pubsub peer. */
  peers(topic?: string): string[] {
    const ids = topic == null ? this.#pubsub.getPeers() : this.#pubsub.getSubscribers(topic)
    return [...new Set(ids.map((p) => p.toString()))].sort()
  }
}
