import { type CID, parseCid } from '@ipfrs/core'
import type { GossipSub, Message } from '@libp2p/gossipsub'

/** The GossipSub topic on which nodes announce blocks they added or provide. */
export const BLOCKS_TOPIC = '/ipfrs/blocks/1.0.0'

/** A block announcement: `from` says it has `cid`. */
export interface Announcement {
  readonly cid: CID
  readonly from: string
}

/**
 * Block announcements over GossipSub. The payload is the CID's binary form; anything else is dropped. A seen-cache
 * keyed by (CID, announcer) delivers a burst of duplicates once per `seenTtlMs`, whichever peers relay them.
 */
export class BlockAnnouncements {
  readonly #pubsub: GossipSub
  readonly #seen = new Map<string, number>()
  readonly #seenTtlMs: number
  readonly #maxSeen: number
  readonly #listeners = new Set<(a: Announcement) => void>()
  readonly #onMessage = (evt: CustomEvent<Message>) => this.#receive(evt.detail)

  constructor(pubsub: GossipSub, options: { seenTtlMs?: number; maxSeen?: number } = {}) {
    this.#pubsub = pubsub
    this.#seenTtlMs = options.seenTtlMs ?? 120_000
    this.#maxSeen = options.maxSeen ?? 50_000
  }

  start(): void {
    this.#pubsub.subscribe(BLOCKS_TOPIC)
    this.#pubsub.addEventListener('message', this.#onMessage)
  }

  stop(): void {
    this.#pubsub.removeEventListener('message', this.#onMessage)
    this.#pubsub.unsubscribe(BLOCKS_TOPIC)
    this.#seen.clear()
  }

  /** Calls `listener` once per new announcement; returns a function that removes it. */
  onAnnouncement(listener: (a: Announcement) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Tells the network this node has `cid`. */
  async announce(cid: CID): Promise<void> {
    await this.#pubsub.publish(BLOCKS_TOPIC, cid.bytes)
  }

  #receive(message: Message): void {
    if (message.topic !== BLOCKS_TOPIC || message.type !== 'signed') return
    let cid: CID
    try {
      cid = parseCid(message.data)
    } catch {
      return // not a CID: ignore the message rather than trust it
    }
    const from = message.from.toString()
    const key = `${from}/${cid.toString()}`
    const now = Date.now()
    const last = this.#seen.get(key)
    if (last !== undefined && now - last < this.#seenTtlMs) return
    this.#remember(key, now)
    for (const listener of this.#listeners) listener({ cid, from })
  }

  #remember(key: string, now: number): void {
    this.#seen.delete(key)
    this.#seen.set(key, now)
    // Map keeps insertion order: the oldest entries are first, so bounding memory is dropping from the front
    for (const [k, at] of this.#seen) {
      if (this.#seen.size <= this.#maxSeen && now - at < this.#seenTtlMs) break
      this.#seen.delete(k)
    }
  }
}
