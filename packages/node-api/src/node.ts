/**
 * The node itself, in two sizes. `NodeApi` is what every node offers, in process or through a daemon's RPC API (the
 * CLI's commands run on either). `LocalNodeApi` is a node running in this process: what a daemon serves.
 *
 * Throughout the contract, operations are written as function-typed properties (`readonly cat: (...) => ...`), not
 * method signatures: TypeScript checks a method's parameters both ways (bivariance), so a class whose method takes a
 * narrower options type would still pass `implements`; a property's parameters are checked strictly.
 */
import type { CID, NodeConfig } from '@ipfrs/core'
import type { BlockApi, DagApi, GcOptions, GcResult, PinApi } from './blocks.js'
import type { ContentApi } from './content.js'
import type { KeyApi } from './keys.js'
import type { HybridApi, LogicApi } from './logic.js'
import type { MfsApi } from './mfs.js'
import type { NameApi } from './names.js'
import type { NetworkApi, NodeId, RoutingApi } from './network.js'
import type { AbortOptions } from './options.js'
import type { PubsubApi } from './pubsub.js'
import type { RepoApi, RepoHandle } from './repo.js'
import type { SemanticApi } from './semantic.js'
import type { TensorApi } from './tensor.js'

/** Every node: content, blocks, pins, GC, CAR files, the repo, the network and routing. */
export interface NodeApi extends ContentApi, RoutingApi, RepoApi {
  readonly peerId: string
  readonly config: NodeConfig
  readonly repo: RepoHandle
  /** This node's identity; online, with the addresses peers can dial and the protocols it speaks. */
  readonly id: () => NodeId
  readonly block: BlockApi
  readonly pin: PinApi
  readonly dag: DagApi
  /** Removes every block no pin reaches. */
  readonly gc: (options?: GcOptions) => Promise<GcResult>
  /** The network side (reading it on an offline node throws `ERR_OFFLINE`). */
  readonly network: NetworkApi
}

/**
 * The libp2p node under an in-process node's network, as far as health checks look at it (its state and its
 * services, e.g. `dht`).
 */
export interface Libp2pStatus {
  readonly status: string
  readonly services: Record<string, unknown>
}

/** Reads blocks of one DAG (a block's bytes may come in chunks). */
export interface DagReader {
  readonly get: (cid: CID, options?: AbortOptions) => Iterable<Uint8Array> | AsyncIterable<Uint8Array>
}

/** An in-process node: everything of {@link NodeApi}, plus the feature layers and what health checks read. */
export interface LocalNodeApi extends NodeApi, HybridApi {
  readonly isStarted: boolean
  readonly isOnline: boolean
  readonly network: NetworkApi & {
    readonly libp2p: Libp2pStatus
    /** One libp2p ping to a peer ID (dialled if need be): the round-trip time in ms. */
    readonly ping: (peer: string, options?: AbortOptions) => Promise<number>
    /**
     * A reader for one DAG: local blocks first, missing ones fetched from peers (Bitswap) and stored, as Kubo's
     * `refs -r` and `pin add` fetch what they walk.
     */
    readonly session: (root: CID, options?: AbortOptions) => DagReader
  }
  /** Blocks, plus a listing of every stored block (as raw CIDv1s: blocks are stored by multihash). */
  readonly block: BlockApi & { readonly ls: () => AsyncIterable<CID> }
  /** The knowledge base. */
  readonly logic: LogicApi
  /** The vector index (throws `ERR_INVALID_CONFIG` when `Semantic.Enabled` is false). */
  readonly semantic: SemanticApi
  /** Tensors and models as content. */
  readonly tensor: TensorApi
  /** The Mutable File System (Kubo's `files`). */
  readonly files: MfsApi
  /** Named keys (Kubo's `key`). */
  readonly keys: KeyApi
  /** IPNS (Kubo's `name`). */
  readonly name: NameApi
  /** GossipSub topics (Kubo's `pubsub`; reading it on an offline node throws `ERR_OFFLINE`). */
  readonly pubsub: PubsubApi
}
