/** IPNS (Kubo's `name publish|resolve`): signed V2 records on the DHT's `/ipns/` namespace. */
import type { AbortOptions } from './options.js'

export interface NamePublishOptions extends AbortOptions {
  /** The key to sign with (default `self`). */
  key?: string
  /** How long the record is valid, in ms (default 48 h, as Kubo). */
  lifetimeMs?: number
  /** How long resolvers may cache it, in ms (default 1 h). */
  ttlMs?: number
  /** Publish to the local store only when the node is offline or has no peers. */
  allowOffline?: boolean
}

/** What `name publish` reports. */
export interface NamePublishResult {
  /** The IPNS name (`k51…`, the key's peer ID as a CIDv1 libp2p-key). */
  readonly name: string
  /** The published path (`/ipfs/<cid>[/…]`). */
  readonly value: string
}

export interface NameApi {
  readonly publish: (path: string, options?: NamePublishOptions) => Promise<NamePublishResult>
  /** `/ipns/<name>` or `<name>` to the path its newest valid record holds. */
  readonly resolve: (name: string, options?: AbortOptions & { recursive?: boolean }) => Promise<string>
  /** Stores a marshalled record for `name` after checking its signature and expiry (Kubo's `routing put`). */
  readonly putRecord: (
    name: string,
    record: Uint8Array,
    options?: AbortOptions & { allowOffline?: boolean },
  ) => Promise<void>
  /** The newest valid marshalled record for `name` (Kubo's `routing get /ipns/<name>`). */
  readonly getRecord: (name: string, options?: AbortOptions) => Promise<Uint8Array>
}
