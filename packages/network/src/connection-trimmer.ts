/**
 * Kubo's connection manager: once more than `Swarm.ConnMgr.HighWater` peers are connected, close the least useful
 * down to `LowWater` (banned first, then those that never delivered, slowest first); connections younger than
 * `GracePeriodSeconds` are kept so a peer that just connected can be useful. It runs when a connection opens and, as
 * Kubo's, on a timer (every half grace period), so connections kept through their grace period (a burst of DHT
 * lookups) are closed once it ends even when no new connection opens afterwards.
 */
import type { NodeConfig } from '@ipfrs/core'
import { KEEP_ALIVE, type Libp2p, type PeerId, type PeerUpdate } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerScores } from './peer-scores.js'

/** Kubo's default grace period. */
const DEFAULT_GRACE_SECONDS = 20
/** The tag kad-dht puts on the 20 peers closest to this node's ID (both DHTs use it). */
const KAD_KEEP_ALIVE = `${KEEP_ALIVE}-kad-dht`

export class ConnectionTrimmer {
  readonly #libp2p: Libp2p
  readonly #limits: NodeConfig['Swarm']['ConnMgr']
  readonly #scores: PeerScores
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(libp2p: Libp2p, limits: NodeConfig['Swarm']['ConnMgr'], scores: PeerScores) {
    this.#libp2p = libp2p
    this.#limits = limits
    this.#scores = scores
  }

  get #graceMs(): number {
    return (this.#limits.GracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000
  }

  start(): void {
    this.#libp2p.addEventListener('peer:update', this.#noKadKeepAlive)
    this.#libp2p.addEventListener('connection:open', this.trim)
    this.#timer = setInterval(this.trim, Math.max(1000, this.#graceMs / 2))
    this.#timer.unref?.()
  }

  stop(): void {
    this.#libp2p.removeEventListener('peer:update', this.#noKadKeepAlive)
    this.#libp2p.removeEventListener('connection:open', this.trim)
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** Closes the least useful peers' connections while more than HighWater peers are connected. */
  readonly trim = (): void => {
    const { LowWater, HighWater } = this.#limits
    const opened = new Map<string, number>() // each peer's oldest connection
    for (const c of this.#libp2p.getConnections()) {
      const peer = c.remotePeer.toString()
      opened.set(peer, Math.min(opened.get(peer) ?? Infinity, c.timeline.open))
    }
    if (opened.size <= HighWater) return
    const ranked = this.#scores.rank([...opened.keys()]) // best first, banned left out
    const banned = [...opened.keys()].filter((p) => !ranked.includes(p))
    const now = Date.now()
    const victims = [...banned, ...ranked.reverse()].filter((p) => now - (opened.get(p) ?? 0) > this.#graceMs)
    for (const peer of victims.slice(0, opened.size - LowWater)) void this.#hangUp(peerIdFromString(peer))
  }

  /**
   * kad-dht keeps its 20 closest peers connected (tagged keep-alive, redialled by libp2p whenever they disconnect):
   * in a network of a few dozen peers that is every peer, on both sides of every connection, so no node could stay
   * within HighWater. As Kubo's connection manager, this one decides which connections stay: the tag is removed as
   * soon as kad-dht sets it. The DHT still prefers those peers in its routing table and lookups.
   */
  readonly #noKadKeepAlive = (evt: CustomEvent<PeerUpdate>): void => {
    const { peer } = evt.detail
    if (!peer.tags.has(KAD_KEEP_ALIVE)) return
    void this.#libp2p.peerStore.merge(peer.id, { tags: { [KAD_KEEP_ALIVE]: undefined } }).catch(() => undefined)
  }

  /**
   * Closes a trimmed peer's connections for good: libp2p redials a peer tagged keep-alive (e.g. a bootstrap peer) as
   * soon as it disconnects, which would undo the trim.
   */
  async #hangUp(peer: PeerId): Promise<void> {
    try {
      const { tags } = await this.#libp2p.peerStore.get(peer)
      const keepAlive = [...tags.keys()].filter((t) => t.startsWith(KEEP_ALIVE))
      if (keepAlive.length > 0) {
        await this.#libp2p.peerStore.merge(peer, { tags: Object.fromEntries(keepAlive.map((t) => [t, undefined])) })
      }
    } catch {
      // not in the peer store: nothing redials it
    }
    await this.#libp2p.hangUp(peer).catch(() => undefined)
  }
}
