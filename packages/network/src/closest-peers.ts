/**
 * A Kademlia lookup of the `count` peers closest to a key that ends once those are found. kad-dht's own
 * `getClosestPeers` ends only when its k (20) closest responders have settled, so when a caller needs fewer (the
 * holders of a semantic LSH key are a handful) it still asks about 20 peers, each a fresh dial on a node that keeps
 * few connections; in a network of 20 peers or fewer every lookup asks every peer. This one runs kad-dht's own query
 * on every DHT given (the public and the LAN one) and watches its events: once the `count` closest peers that have
 * answered are closer than every peer kad-dht has still queued, the answer cannot improve and the queries are
 * aborted. Without a `count` it is kad-dht's lookup, merged over the DHTs.
 */
import { createHash } from 'node:crypto'
import type { AbortOptions, PeerId, PeerInfo } from '@libp2p/interface'
import type { QueryEvent } from '@libp2p/kad-dht'

/** The part of a kad-dht service the lookup uses. */
export interface ClosestPeersDht {
  getClosestPeers(key: Uint8Array, options?: AbortOptions): AsyncIterable<QueryEvent>
}

/** Options of `closestPeers`. */
export interface ClosestPeersOptions extends AbortOptions {
  /** Peers wanted: the lookup ends once the `count` closest are known (default: kad-dht's own end, k = 20). */
  readonly count?: number
}

const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest()

/** Kademlia's distance between a key and a peer, as kad-dht computes it (XOR of SHA-256 digests). */
function distance(target: Buffer, peer: PeerId): Buffer {
  const d = sha256(peer.toMultihash().bytes)
  for (let i = 0; i < d.length; i++) d[i] = (d[i] as number) ^ (target[i] as number)
  return d
}

/** What one lookup has learnt: who answered, who failed, who kad-dht still has queued. */
class LookupState {
  readonly #target: Buffer
  readonly #count: number
  readonly #answered = new Map<string, { info: PeerInfo; d: Buffer }>()
  readonly #failed = new Set<string>()
  /** Peers named as closer by a peer farther than themselves: kad-dht queues exactly those. */
  readonly #queued = new Map<string, Buffer>()
  /** Addresses peers were named with. */
  readonly #addrs = new Map<string, PeerInfo['multiaddrs']>()

  constructor(key: Uint8Array, count: number) {
    this.#target = sha256(key)
    this.#count = count
  }

  /** Takes one query event in; true once the answer is settled. */
  take(event: QueryEvent, self: PeerId): boolean {
    if (event.name === 'QUERY_ERROR') {
      const id = event.from.toString()
      this.#failed.add(id)
      this.#queued.delete(id)
      return this.settled()
    }
    if (event.name !== 'PEER_RESPONSE') return false
    const id = event.from.toString()
    const d = distance(this.#target, event.from)
    this.#answered.set(id, { info: { id: event.from, multiaddrs: this.#addrs.get(id) ?? [] }, d })
    this.#queued.delete(id)
    for (const p of event.closer) {
      const pid = p.id.toString()
      if (p.multiaddrs.length > 0 && !this.#addrs.has(pid)) this.#addrs.set(pid, p.multiaddrs)
      if (p.id.equals(self) || this.#answered.has(pid) || this.#failed.has(pid) || this.#queued.has(pid)) continue
      const pd = distance(this.#target, p.id)
      if (Buffer.compare(pd, d) < 0) this.#queued.set(pid, pd)
    }
    return this.settled()
  }

  /** The `count` closest answerers are closer than every peer still queued. */
  settled(): boolean {
    const edge = this.#byDistance()[this.#count - 1]?.d
    if (edge === undefined) return false
    for (const d of this.#queued.values()) if (Buffer.compare(d, edge) < 0) return false
    return true
  }

  /** Every peer that answered, closest first. */
  peers(): PeerInfo[] {
    return this.#byDistance().map((a) => a.info)
  }

  #byDistance(): Array<{ info: PeerInfo; d: Buffer }> {
    return [...this.#answered.values()].sort((a, b) => Buffer.compare(a.d, b.d))
  }
}

/**
 * The peers closest to `key` that answered, closest first: with `count`, as soon as the `count` closest are
 * settled (more may follow, the spare answerers, in distance order); without it, when kad-dht's lookups end.
 */
export async function closestPeers(
  dhts: readonly ClosestPeersDht[],
  key: Uint8Array,
  self: PeerId,
  options: ClosestPeersOptions = {},
): Promise<PeerInfo[]> {
  const state = new LookupState(key, Math.max(1, options.count ?? Number.MAX_SAFE_INTEGER))
  const done = new AbortController()
  const signal = options.signal ? AbortSignal.any([done.signal, options.signal]) : done.signal
  const failures: unknown[] = []
  await Promise.all(
    dhts.map(async (dht) => {
      try {
        for await (const event of dht.getClosestPeers(key, { signal })) {
          if (state.take(event, self)) return done.abort()
        }
      } catch (err) {
        options.signal?.throwIfAborted()
        if (!done.signal.aborted) failures.push(err)
      }
    }),
  )
  const peers = state.peers()
  // one DHT failing (e.g. an empty public table) is not the lookup failing while another one answered
  if (peers.length === 0 && failures.length > 0) throw failures[0]
  return peers
}
