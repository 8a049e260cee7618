/** The node on the network: identity, connections, routing (Kubo's `id`, `swarm`, `routing`). */
import type { CID } from '@ipfrs/core'
import type { AbortOptions } from './options.js'

/** What `node.id()` reports, with Kubo's field names. */
export interface NodeId {
  ID: string
  /** The public key, base64 (protobuf-free raw Ed25519 bytes). */
  PublicKey: string
  /** Online: the addresses peers can dial, each ending in `/p2p/<ID>`; offline: none. */
  Addresses: string[]
  AgentVersion: string
  /** Online: the libp2p protocols this node speaks; offline: none. */
  Protocols: string[]
}

/** One open connection. */
export interface PeerConnection {
  readonly peer: string
  /** The remote address, ending in `/p2p/<peer>`. */
  readonly addr: string
  readonly direction: 'inbound' | 'outbound'
  /** Round-trip time in ms, as libp2p's connection monitor last measured it (absent until it has). */
  readonly rtt?: number
}

/** A peer that provides some content. */
export interface Provider {
  readonly id: { toString(): string }
  readonly multiaddrs: string[]
}

/** The network side of an online node (reading it on an offline node throws `ERR_OFFLINE`). */
export interface NetworkApi {
  /** The addresses peers can dial, each ending in `/p2p/<peer id>`. */
  readonly addresses: () => string[]
  readonly peers: () => readonly PeerConnection[]
  /** Dials a multiaddr with `/p2p/<id>`; returns the peer ID. */
  readonly connect: (address: string, options?: AbortOptions) => Promise<string>
  readonly disconnect: (address: string, options?: AbortOptions) => Promise<void>
  /** The addresses of a peer, found through the DHT. */
  readonly findPeer: (peer: string, options?: AbortOptions) => Promise<string[]>
}

/** Content routing (the DHT). */
export interface RoutingApi {
  /** Announces that this node provides `cid` (online only). */
  readonly provide: (cid: CID | string, options?: AbortOptions) => Promise<void>
  /** Peers that provide `cid` (online only). */
  readonly findProviders: (cid: CID | string, options?: AbortOptions) => AsyncIterable<Provider>
}
