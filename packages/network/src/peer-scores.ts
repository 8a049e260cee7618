import type { CID } from '@ipfrs/core'
import type { PeerId } from '@libp2p/interface'
import { base64 } from 'multiformats/bases/base64'

/** What we know of one peer's Bitswap deliveries. */
export interface PeerScore {
  readonly peer: string
  /** Blocks it sent that we had asked for. */
  readonly blocks: number
  readonly bytes: number
  /** Smoothed delivery rate (bytes per second from our want to its block), 0 until it delivered. */
  readonly bytesPerSecond: number
  /** Blocks it sent whose bytes hash to nothing we asked for (corrupt or forged). */
  readonly badBlocks: number
  /** Whether it is cut off: disconnected and refused until `banMs` has passed. */
  readonly banned: boolean
}

/** The slice of Helia's Bitswap want list that scoring listens to. */
export interface WantListEvents {
  wants: Map<string, unknown>
  addEventListener(
    type: 'block',
    listener: (evt: CustomEvent<{ sender: PeerId; cid: CID; block: Uint8Array }>) => void,
  ): void
  removeEventListener(
    type: 'block',
    listener: (evt: CustomEvent<{ sender: PeerId; cid: CID; block: Uint8Array }>) => void,
  ): void
}

export interface PeerScoresInit {
  /** Bad blocks after which a peer is banned (default 1: a block that hashes to nothing we asked for is no accident). */
  badBlockLimit?: number
  /** How long a ban lasts (default 1 hour). */
  banMs?: number
  /** Called when a peer is banned, to hang up on it. */
  onBan?: (peer: PeerId) => void
}

interface Record {
  blocks: number
  bytes: number
  bytesPerSecond: number
  badBlocks: number
  bannedUntil: number
}

const RECENT_MS = 120_000
const SMOOTHING = 0.3

/**
 * Bandwidth-aware scoring of Bitswap peers, which Helia does not keep. Bitswap derives a received block's CID from its
 * bytes, so a corrupt block can never satisfy a want; here such a block also counts against its sender, and a peer that
 * sends one is banned (disconnected, and refused by the connection gater) for `banMs`. Peers that deliver are ranked
 * by their smoothed delivery rate, so sessions can ask the fastest first.
 */
export class PeerScores {
  readonly #records = new Map<string, Record>()
  /** When we first asked for each CID (by multihash), so a delivery's rate can be measured. */
  readonly #asked = new Map<string, number>()
  /** CIDs delivered lately: a second copy of one of those is a late duplicate, not an attack. */
  readonly #recent = new Map<string, number>()
  readonly #badBlockLimit: number
  readonly #banMs: number
  readonly #onBan: ((peer: PeerId) => void) | undefined
  #wantList: WantListEvents | undefined
  readonly #onBlock = (evt: CustomEvent<{ sender: PeerId; cid: CID; block: Uint8Array }>) => this.#received(evt.detail)

  constructor(init: PeerScoresInit = {}) {
    this.#badBlockLimit = init.badBlockLimit ?? 1
    this.#banMs = init.banMs ?? 3_600_000
    this.#onBan = init.onBan
  }

  /** Starts listening to a Bitswap want list. */
  attach(wantList: WantListEvents): void {
    this.detach()
    this.#wantList = wantList
    wantList.addEventListener('block', this.#onBlock)
  }

  detach(): void {
    this.#wantList?.removeEventListener('block', this.#onBlock)
    this.#wantList = undefined
  }

  /** Notes that we are about to ask the network for `cid`. */
  asking(cid: CID): void {
    const key = keyOf(cid)
    if (!this.#asked.has(key)) this.#asked.set(key, Date.now())
  }

  /** Whether connections to and from `peer` are refused. */
  isBanned(peer: PeerId | string): boolean {
    const record = this.#records.get(peer.toString())
    return record !== undefined && record.bannedUntil > Date.now()
  }

  /** Every peer we have a record of, fastest first; banned peers last. */
  list(): PeerScore[] {
    const now = Date.now()
    return [...this.#records.entries()]
      .map(([peer, r]) => ({
        peer,
        blocks: r.blocks,
        bytes: r.bytes,
        bytesPerSecond: r.bytesPerSecond,
        badBlocks: r.badBlocks,
        banned: r.bannedUntil > now,
      }))
      .sort((a, b) => Number(a.banned) - Number(b.banned) || b.bytesPerSecond - a.bytesPerSecond)
  }

  /** Of `peers`, those not banned, best first (peers we know nothing of come after those that delivered). */
  rank(peers: string[]): string[] {
    const order = new Map(this.list().map((s, i) => [s.peer, i]))
    return peers
      .filter((p) => !this.isBanned(p))
      .sort((a, b) => (order.get(a) ?? order.size) - (order.get(b) ?? order.size))
  }

  #received({ sender, cid, block }: { sender: PeerId; cid: CID; block: Uint8Array }): void {
    const key = keyOf(cid)
    const now = Date.now()
    this.#forgetOld(now)
    const record = this.#record(sender.toString())
    if (this.#wantList?.wants.has(key) === true || this.#asked.has(key)) {
      const askedAt = this.#asked.get(key) ?? now
      const rate = block.byteLength / (Math.max(now - askedAt, 1) / 1000)
      record.bytesPerSecond = record.blocks === 0 ? rate : record.bytesPerSecond * (1 - SMOOTHING) + rate * SMOOTHING
      record.blocks++
      record.bytes += block.byteLength
      this.#asked.delete(key)
      this.#recent.set(key, now)
      return
    }
    if (this.#recent.has(key)) return // a copy of a block another peer delivered first
    record.badBlocks++
    if (record.badBlocks >= this.#badBlockLimit && record.bannedUntil <= now) {
      record.bannedUntil = now + this.#banMs
      this.#onBan?.(sender)
    }
  }

  #record(peer: string): Record {
    let record = this.#records.get(peer)
    if (record === undefined) {
      record = { blocks: 0, bytes: 0, bytesPerSecond: 0, badBlocks: 0, bannedUntil: 0 }
      this.#records.set(peer, record)
    }
    return record
  }

  #forgetOld(now: number): void {
    for (const map of [this.#asked, this.#recent]) {
      for (const [key, at] of map) {
        if (now - at < RECENT_MS) break // insertion order is time order
        map.delete(key)
      }
    }
  }
}

/** The key Helia's want list files a want under (base64 of the multihash, no multibase prefix). */
function keyOf(cid: CID): string {
  return base64.baseEncode(cid.multihash.bytes)
}
