import type { CompressionAlgorithm, EncryptionAlgorithm } from './config-defaults.js'
import { InvalidConfigError } from './errors.js'

export {
  COMPRESSION_ALGORITHMS,
  type CompressionAlgorithm,
  defaultConfig,
  ENCRYPTION_ALGORITHMS,
  type EncryptionAlgorithm,
  type LocalConfigOptions,
  localConfig,
  USE_DIMENSION,
} from './config-defaults.js'
export { setConfigKey, validateConfig } from './config-validation.js'

/**
 * The node's configuration: the repo's `config` file. Keys follow Kubo's spelling where Kubo has the setting
 * (`Identity.PeerID`, `Addresses.*`, `Bootstrap`, `Datastore.*`, `Import.*`); `Compression` and `Encryption` are ours.
 */
export interface NodeConfig {
  Identity: { PeerID: string }
  Addresses: { Swarm: string[]; Announce: string[]; API: string; Gateway: string }
  Bootstrap: string[]
  Datastore: {
    /** Soft limit reported by `repo stat`, e.g. `10GB`. */
    StorageMax: string
    /** Blocks younger than this many seconds survive GC unless `gc --min-age` says otherwise. */
    GCMinAgeSeconds: number
  }
  Import: {
    /** 0 (Kubo's default) or 1. */
    CidVersion: 0 | 1
    UnixFSRawLeaves: boolean
    /** `size-<bytes>`; Kubo's default is `size-262144`. */
    UnixFSChunker: string
    /** Children per interior node of the balanced layout (174 in Kubo). */
    UnixFSFileMaxLinks: number
  }
  Swarm: {
    /** Kubo's connection manager watermarks: trim to LowWater once HighWater connections are open. */
    ConnMgr: { LowWater: number; HighWater: number; GracePeriodSeconds?: number }
    /** Which transports listen and dial (Kubo's `Swarm.Transports.Network`). */
    Transports: { Network: { TCP: boolean; QUIC: boolean } }
  }
  Routing: {
    /** `dht` (server when reachable), `dhtclient` (never serves), or `none` (no DHT). */
    Type: 'dht' | 'dhtclient' | 'dhtserver' | 'none'
    /** Announce added content to the DHT. */
    AutoProvide: boolean
    /** How long a provider record we store for others stays valid, in seconds (Kubo: 48 h). */
    ProviderTTLSeconds: number
    /** How often our own provider records are re-announced, in seconds (Kubo's Reprovider.Interval: 22 h). */
    ReprovideIntervalSeconds: number
    /** How long a network fetch may take before giving up, in seconds. */
    FetchTimeoutSeconds: number
    /**
     * Let loopback addresses (127.0.0.1, ::1) into the public DHT (`/ipfs/kad/1.0.0`) too, not only the LAN DHT
     * (`/ipfs/lan/kad/1.0.0`). Off by default, as Kubo keeps private addresses out of the public DHT; the test
     * profile (`localConfig`) sets it, so nodes on one machine also meet in the public DHT.
     */
    LoopbackAddressesOnWanDHT: boolean
    /**
     * `cat` and `get` of a UnixFS file the repo lacks fetch its leaves over TensorSwap from the peers likely to have it
     * that speak it (other IPFRS nodes), and over Bitswap from the rest and for whatever TensorSwap does not bring.
     * On by default; off, every block comes over Bitswap.
     */
    TensorSwapFiles: boolean
  }
  Compression: {
    Algorithm: CompressionAlgorithm
    /** zstd level 1-19 (ignored by lz4 and snappy). */
    Level: number
    /** Blocks smaller than this many bytes are stored raw. */
    MinSize: number
  }
  Encryption: {
    Enabled: boolean
    Algorithm: EncryptionAlgorithm
  }
  /** The RPC API's access rules (Kubo's `API` section where Kubo has the key). */
  API: {
    /**
     * Bearer tokens allowed to call the RPC API, as Kubo's `API.Authorizations`: `{ name: { AuthSecret:
     * "bearer:<token>", AllowedPaths: ["/api/v0"] } }`. Empty (the default): no token needed (loopback only).
     */
    Authorizations: Record<string, { AuthSecret: string; AllowedPaths: string[] }>
    /** Origins (scheme://host:port) whose browser pages may call the API; every other Origin gets 403. */
    AllowedOrigins: string[]
    /** Largest request body accepted, in bytes (uploads for `add` and `dag import` stream and are not limited). */
    MaxRequestBodyBytes: number
  }
  /** How `ipfrs daemon` runs. */
  Daemon: {
    /** For small devices: slower DHT refresh, fewer connections, less frequent health polling. */
    LowPower: boolean
    /** Seconds between subsystem health checks (a failed subsystem is restarted with backoff). */
    HealthIntervalSeconds: number
  }
  /** The node's vector index (`node.semantic`), persisted under `<repo>/semantic`. */
  Semantic: {
    Enabled: boolean
    /**
     * What turns text into vectors: `use`, the Universal Sentence Encoder lite (a real model, 512-d, from
     * `@ipfrs/embedder-use`; what `ipfrs init` writes), or `hashing`, word hashing (lexical only; the fallback, and
     * what a config without this key means, as repos made before the model had).
     */
    Embedder: 'use' | 'hashing'
    /** Worker threads embedding with the model (one model each, ~260 MB apiece). */
    EmbedWorkers: number
    /** Vector dimension of the index and of the embedder (512 with `use`). */
    Dimension: number
    Metric: 'cosine' | 'l2' | 'ip'
    /** HNSW graph out-degree. */
    M: number
    EfConstruction: number
    EfSearch: number
    /**
     * Online, also put this node's documents on the Kademlia DHT as LSH records and search them there, so
     * `semantic query --network` reaches peers this node is not connected to (needs `Routing.Type` other than none).
     */
    DhtRouting: boolean
    /**
     * Shape of the LSH routing (all peers of one network must agree on `LshTables` and `LshBits`, part of every key):
     * independent tables and hyperplanes per table (default 8 x 8: 256 buckets per table, for large networks; a small
     * network does better with 2-4 tables of 3-4 bits: fewer DHT keys per document and similar documents share keys),
     * probe keys looked up per search (default 8), and peers each key's records are stored on (default 20, kad-dht's k).
     */
    LshTables: number
    LshBits: number
    LshProbes: number
    LshReplicas: number
  }
  /** The knowledge base (`node.logic`, `ipfrs logic`). */
  Logic: {
    /** Wall-clock limit of a local query or proof that sets none itself, in ms (past it: `ERR_TIMEOUT`). */
    QueryTimeoutMs: number
  }
}

/** Parses `size-N` into N bytes. */
export function chunkerSize(chunker: string): number {
  const m = /^size-([1-9]\d*)$/.exec(chunker)
  if (m == null) throw new InvalidConfigError('Import.UnixFSChunker', `expected size-<bytes>, got "${chunker}"`)
  const n = Number(m[1])
  if (n > 1024 * 1024)
    throw new InvalidConfigError('Import.UnixFSChunker', `chunks larger than 1 MiB are not interoperable`)
  return n
}

/** Reads a dotted key (`Addresses.Swarm`) from a config object; `undefined` when absent. */
export function getConfigKey(config: object, key: string): unknown {
  let cur: unknown = config
  for (const part of key.split('.')) {
    if (cur == null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[part]
  }
  return cur
}
