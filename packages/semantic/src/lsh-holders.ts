/**
 * Which peers hold which LSH keys, found through kad-dht and remembered for a while: one Kademlia lookup per key per
 * `cacheMs` instead of one per key per document, concurrent lookups of one key shared, and at most `concurrency`
 * lookups in flight. Also the small helpers that turn "key → holders" into "holder → keys", so a node sends one
 * message per holder however many keys (and records) it holds there.
 */
import { createHash } from 'node:crypto'
import type { AbortOptions, PeerId, PeerInfo } from '@libp2p/interface'

/** What the holder cache needs. */
export interface HolderCacheInit {
  readonly self: PeerId
  /** kad-dht's lookup: `libp2p.peerRouting.getClosestPeers`, or one that may end once `count` peers are settled. */
  readonly closestPeers: ClosestPeersLookup
  /** Peers wanted per key, passed to the lookup as `count` (default: the lookup's own end). */
  readonly count?: number
  /** How long a key's closest peers are reused (default 10 min). */
  readonly cacheMs?: number
  /** Kademlia lookups in flight at once (default 4). */
  readonly concurrency?: number
  /** Keys remembered at most (default 10 000; the oldest go first). */
  readonly maxKeys?: number
  /** Called once per real lookup (metrics). */
  readonly onLookup?: () => void
}

/**
 * A Kademlia lookup of the peers closest to a key: libp2p's `peerRouting.getClosestPeers` (which ignores `count`), or
 * one that ends once the `count` closest are known (the IPFRS node's `network.closestPeers`).
 */
export type ClosestPeersLookup = (
  key: Uint8Array,
  options?: AbortOptions & { readonly count?: number },
) => AsyncIterable<PeerInfo>

const enc = new TextEncoder()

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest()

/**
 * `peers` nearest `key` first, by Kademlia's XOR distance (kad-dht's: between the SHA-256 of the key's bytes and of
 * each peer ID's multihash). libp2p's lookup yields peers in no fixed order (it merges its DHTs' answers, e.g. the
 * public and the LAN one, as they arrive), so a publisher and a searcher that found the same peers could pick
 * different holders; sorted, they pick the same ones.
 */
export function byDistance(key: string, peers: readonly PeerId[]): PeerId[] {
  const target = sha256(enc.encode(key))
  const dist = new Map(
    peers.map((p) => {
      const h = sha256(p.toMultihash().bytes)
      for (let i = 0; i < h.length; i++) h[i] = (h[i] ?? 0) ^ (target[i] ?? 0)
      return [p, h] as const
    }),
  )
  return [...peers].sort((a, b) => Buffer.compare(dist.get(a) as Buffer, dist.get(b) as Buffer))
}

/** Inverts key → peers into peer → keys (peers keyed by their string form), keeping the first `perKey` of each. */
export function byHolder(
  holders: ReadonlyMap<string, readonly PeerId[]>,
  perKey: number,
): Map<string, { peer: PeerId; keys: string[] }> {
  const out = new Map<string, { peer: PeerId; keys: string[] }>()
  for (const [key, peers] of holders) {
    for (const peer of peers.slice(0, perKey)) {
      const id = peer.toString()
      const entry = out.get(id) ?? { peer, keys: [] }
      entry.keys.push(key)
      out.set(id, entry)
    }
  }
  return out
}

/** The peers closest to LSH keys, looked up through kad-dht and cached. */
export class HolderCache {
  readonly #i: HolderCacheInit
  readonly #cache = new Map<string, { peers: PeerId[]; at: number }>()
  readonly #inflight = new Map<string, Promise<PeerId[]>>()
  #active = 0
  readonly #waiting: Array<() => void> = []
  hits = 0

  constructor(init: HolderCacheInit) {
    this.#i = init
  }

  /** Keys whose closest peers are remembered. */
  get size(): number {
    return this.#cache.size
  }

  /** The peers kad-dht finds closest to `key` (never this node), nearest first, from the cache while it is fresh. */
  async closest(key: string, options: AbortOptions = {}): Promise<PeerId[]> {
    const cached = this.#cache.get(key)
    if (cached && Date.now() - cached.at < (this.#i.cacheMs ?? 600_000)) {
      this.hits++
      return cached.peers
    }
    const pending = this.#inflight.get(key)
    if (pending) return pending
    const lookup = this.#lookup(key, options).finally(() => this.#inflight.delete(key))
    this.#inflight.set(key, lookup)
    return lookup
  }

  /** Closest peers of every key (failed lookups give none), with at most `concurrency` lookups in flight. */
  async closestAll(keys: readonly string[], options: AbortOptions = {}): Promise<Map<string, PeerId[]>> {
    const found = await Promise.all(
      keys.map((k) =>
        this.closest(k, options).catch(() => {
          options.signal?.throwIfAborted()
          return [] as PeerId[]
        }),
      ),
    )
    return new Map(keys.map((k, i) => [k, found[i] ?? []]))
  }

  /** Forgets `peer` in every cached key (it failed a request); its keys are looked up afresh next time. */
  forgetPeer(peer: PeerId): void {
    for (const [key, entry] of this.#cache) if (entry.peers.some((p) => p.equals(peer))) this.#cache.delete(key)
  }

  /** Drops every cached key. */
  clear(): void {
    this.#cache.clear()
  }

  async #lookup(key: string, options: AbortOptions): Promise<PeerId[]> {
    await this.#slot()
    try {
      this.#i.onLookup?.()
      const found: PeerId[] = []
      const lookupOptions = this.#i.count === undefined ? options : { ...options, count: this.#i.count }
      for await (const p of this.#i.closestPeers(enc.encode(key), lookupOptions)) {
        if (!p.id.equals(this.#i.self) && !found.some((q) => q.equals(p.id))) found.push(p.id)
      }
      const peers = byDistance(key, found)
      if (peers.length > 0) {
        this.#cache.delete(key)
        this.#cache.set(key, { peers, at: Date.now() })
        const max = this.#i.maxKeys ?? 10_000
        for (const k of this.#cache.keys()) {
          if (this.#cache.size <= max) break
          this.#cache.delete(k)
        }
      }
      return peers
    } finally {
      // a waiting lookup takes this slot over; otherwise it is free again
      const next = this.#waiting.shift()
      if (next) next()
      else this.#active--
    }
  }

  async #slot(): Promise<void> {
    if (this.#active < (this.#i.concurrency ?? 4)) this.#active++
    else await new Promise<void>((r) => this.#waiting.push(r))
  }
}
