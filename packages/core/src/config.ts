import { InvalidConfigError } from './errors.js'

/** Block compression algorithms (`none` stores blocks as they are). */
export const COMPRESSION_ALGORITHMS = ['none', 'zstd', 'lz4', 'snappy'] as const
export type CompressionAlgorithm = (typeof COMPRESSION_ALGORITHMS)[number]

/** AEAD ciphers for encryption at rest. */
export const ENCRYPTION_ALGORITHMS = ['aes-256-gcm', 'chacha20-poly1305'] as const
export type EncryptionAlgorithm = (typeof ENCRYPTION_ALGORITHMS)[number]

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

/** Options of `localConfig`. */
export interface LocalConfigOptions {
  /** Transports to listen on (default both). */
  transports?: ReadonlyArray<'tcp' | 'quic'>
  /** Peers to bootstrap from (default none). */
  bootstrap?: readonly string[]
}

/**
 * Config overrides for a node that stays on this machine: swarm, API and gateway on random 127.0.0.1 ports, nothing
 * announced, no public bootstrap peers, and word hashing for text (a node that starts in milliseconds and holds no
 * 260 MB model; set `Semantic.Embedder` to `use` for the model). For tests and local clusters (`ipfrs init --profile test`); pass the result
 * as `Repo.init`'s `config`.
 */
export function localConfig(options: LocalConfigOptions = {}) {
  const transports = options.transports ?? ['tcp', 'quic']
  const tcp = transports.includes('tcp')
  const quic = transports.includes('quic')
  return {
    Addresses: {
      Swarm: [...(tcp ? ['/ip4/127.0.0.1/tcp/0'] : []), ...(quic ? ['/ip4/127.0.0.1/udp/0/quic-v1'] : [])],
      Announce: [] as string[],
      API: '/ip4/127.0.0.1/tcp/0',
      Gateway: '/ip4/127.0.0.1/tcp/0',
    },
    Swarm: { Transports: { Network: { TCP: tcp, QUIC: quic } } },
    Bootstrap: [...(options.bootstrap ?? [])],
    // every node is on 127.0.0.1: they meet in the public DHT too, not only the LAN one
    Routing: { LoopbackAddressesOnWanDHT: true },
    Semantic: { Embedder: 'hashing' as const, Dimension: 384 },
  }
}

/** The dimension of the Universal Sentence Encoder's vectors (`Semantic.Embedder: use`). */
export const USE_DIMENSION = 512

/** The defaults `ipfrs init` writes (with a fresh Peer ID). */
export function defaultConfig(): NodeConfig {
  return {
    Identity: { PeerID: '' },
    Addresses: {
      Swarm: ['/ip4/0.0.0.0/tcp/4001', '/ip4/0.0.0.0/udp/4001/quic-v1'],
      Announce: [],
      API: '/ip4/127.0.0.1/tcp/5001',
      Gateway: '/ip4/127.0.0.1/tcp/8080',
    },
    Bootstrap: [],
    Datastore: { StorageMax: '10GB', GCMinAgeSeconds: 0 },
    Import: { CidVersion: 0, UnixFSRawLeaves: false, UnixFSChunker: 'size-262144', UnixFSFileMaxLinks: 174 },
    Swarm: {
      ConnMgr: { LowWater: 32, HighWater: 96, GracePeriodSeconds: 20 },
      Transports: { Network: { TCP: true, QUIC: true } },
    },
    Routing: {
      Type: 'dht',
      AutoProvide: true,
      ProviderTTLSeconds: 48 * 3600,
      ReprovideIntervalSeconds: 22 * 3600,
      FetchTimeoutSeconds: 60,
      LoopbackAddressesOnWanDHT: false,
      TensorSwapFiles: true,
    },
    Compression: { Algorithm: 'none', Level: 3, MinSize: 256 },
    Encryption: { Enabled: false, Algorithm: 'aes-256-gcm' },
    API: { Authorizations: {}, AllowedOrigins: [], MaxRequestBodyBytes: 4 * 1024 * 1024 },
    Daemon: { LowPower: false, HealthIntervalSeconds: 5 },
    Semantic: {
      Enabled: true,
      Embedder: 'use',
      EmbedWorkers: 1,
      Dimension: USE_DIMENSION,
      Metric: 'cosine',
      M: 16,
      EfConstruction: 200,
      EfSearch: 100,
      DhtRouting: true,
      LshTables: 8,
      LshBits: 8,
      LshProbes: 8,
      LshReplicas: 20,
    },
    Logic: { QueryTimeoutMs: 10_000 },
  }
}

type Check = (value: unknown, field: string) => void

const isString: Check = (v, f) => {
  if (typeof v !== 'string') throw new InvalidConfigError(f, `expected a string, got ${describe(v)}`)
}
const isBoolean: Check = (v, f) => {
  if (typeof v !== 'boolean') throw new InvalidConfigError(f, `expected true or false, got ${describe(v)}`)
}
const isMultiaddr: Check = (v, f) => {
  isString(v, f)
  if (!(v as string).startsWith('/'))
    throw new InvalidConfigError(f, `expected a multiaddr starting with "/", got "${v}"`)
}
const arrayOf =
  (item: Check): Check =>
  (v, f) => {
    if (!Array.isArray(v)) throw new InvalidConfigError(f, `expected an array, got ${describe(v)}`)
    for (const [i, x] of v.entries()) item(x, `${f}[${i}]`)
  }
const oneOf =
  (values: readonly unknown[]): Check =>
  (v, f) => {
    if (!values.includes(v)) throw new InvalidConfigError(f, `expected one of ${values.join(', ')}, got ${describe(v)}`)
  }
const integer =
  (min: number, max: number): Check =>
  (v, f) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new InvalidConfigError(f, `expected an integer in [${min}, ${max}], got ${describe(v)}`)
    }
  }
const matches =
  (re: RegExp, what: string): Check =>
  (v, f) => {
    isString(v, f)
    if (!re.test(v as string)) throw new InvalidConfigError(f, `expected ${what}, got "${v}"`)
  }

/** An object whose every value passes `check` (keys are free-form names). */
const recordOf =
  (check: Check): Check =>
  (v, f) => {
    if (v == null || typeof v !== 'object' || Array.isArray(v))
      throw new InvalidConfigError(f, `expected an object, got ${describe(v)}`)
    for (const [key, value] of Object.entries(v)) check(value, `${f}.${key}`)
  }

/** A key that may be absent; when present it must pass `check`. */
const optional =
  (check: Check): Check =>
  (v, f) => {
    if (v !== undefined) check(v, f)
  }

/** A nested object whose keys are all checked. */
const object =
  (spec: Record<string, Check>): Check =>
  (v, f) => {
    if (v == null || typeof v !== 'object' || Array.isArray(v))
      throw new InvalidConfigError(f, `expected an object, got ${describe(v)}`)
    for (const [key, check] of Object.entries(spec)) check((v as Record<string, unknown>)[key], `${f}.${key}`)
  }

const SCHEMA: Record<string, Record<string, Check> | Check> = {
  Identity: { PeerID: isString },
  Addresses: { Swarm: arrayOf(isMultiaddr), Announce: arrayOf(isMultiaddr), API: isMultiaddr, Gateway: isMultiaddr },
  Bootstrap: arrayOf(isMultiaddr),
  Datastore: {
    StorageMax: matches(/^\d+(\.\d+)?\s*([KMGT]i?B|B)?$/i, 'a size such as 10GB'),
    GCMinAgeSeconds: integer(0, 2 ** 31),
  },
  Import: {
    CidVersion: oneOf([0, 1]),
    UnixFSRawLeaves: isBoolean,
    UnixFSChunker: matches(/^size-[1-9]\d*$/, 'size-<bytes>'),
    UnixFSFileMaxLinks: integer(2, 65536),
  },
  Swarm: {
    ConnMgr: object({
      LowWater: integer(0, 100_000),
      HighWater: integer(1, 100_000),
      GracePeriodSeconds: optional(integer(0, 86_400)),
    }),
    Transports: object({ Network: object({ TCP: isBoolean, QUIC: isBoolean }) }),
  },
  Routing: {
    Type: oneOf(['dht', 'dhtclient', 'dhtserver', 'none']),
    AutoProvide: isBoolean,
    ProviderTTLSeconds: integer(1, 2 ** 31),
    ReprovideIntervalSeconds: integer(1, 2 ** 31),
    FetchTimeoutSeconds: integer(1, 86_400),
    LoopbackAddressesOnWanDHT: isBoolean,
    TensorSwapFiles: isBoolean,
  },
  Compression: { Algorithm: oneOf(COMPRESSION_ALGORITHMS), Level: integer(1, 22), MinSize: integer(0, 2 ** 30) },
  Encryption: { Enabled: isBoolean, Algorithm: oneOf(ENCRYPTION_ALGORITHMS) },
  API: {
    Authorizations: recordOf(
      object({
        AuthSecret: matches(
          /^(?:bearer:)?(?!bearer:)\S{8,}$/,
          '"bearer:<token>" with a token of at least 8 characters',
        ),
        AllowedPaths: arrayOf(matches(/^\/api\/v0(\/|$)/, 'a path under /api/v0')),
      }),
    ),
    AllowedOrigins: arrayOf(matches(/^https?:\/\/[^/\s]+$/, 'an origin such as http://localhost:3000')),
    MaxRequestBodyBytes: integer(1024, 2 ** 31),
  },
  Daemon: { LowPower: isBoolean, HealthIntervalSeconds: integer(1, 3600) },
  Semantic: {
    Enabled: isBoolean,
    Embedder: oneOf(['use', 'hashing']),
    EmbedWorkers: integer(1, 64),
    Dimension: integer(2, 65_536),
    Metric: oneOf(['cosine', 'l2', 'ip']),
    M: integer(2, 256),
    EfConstruction: integer(1, 100_000),
    EfSearch: integer(1, 100_000),
    DhtRouting: isBoolean,
    LshTables: integer(1, 64),
    LshBits: integer(1, 24),
    LshProbes: integer(1, 256),
    LshReplicas: integer(1, 64),
  },
  Logic: { QueryTimeoutMs: integer(1, 2 ** 31) },
}

/**
 * Fills in defaults for missing keys and validates every known key; throws `InvalidConfigError` naming the first
 * bad field (`Compression.Algorithm`, `Addresses.Swarm[2]`, …). Unknown top-level sections are kept as they are, so a
 * config written by a newer version survives a round trip.
 */
export function validateConfig(input: unknown): NodeConfig {
  if (input == null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidConfigError('(root)', `expected an object, got ${describe(input)}`)
  }
  const defaults = defaultConfig() as unknown as Record<string, unknown>
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) }
  const semantic = out.Semantic as Record<string, unknown> | undefined
  // a Semantic section that names no embedder predates the model (or sets its own dimension): word hashing made it
  if (semantic != null && typeof semantic === 'object' && !Array.isArray(semantic) && semantic.Embedder === undefined) {
    out.Semantic = { ...semantic, Embedder: 'hashing' }
  }
  for (const [section, spec] of Object.entries(SCHEMA)) {
    const given = out[section]
    if (typeof spec === 'function') {
      const value = given === undefined ? defaults[section] : given
      spec(value, section)
      out[section] = value
      continue
    }
    if (given !== undefined && (given == null || typeof given !== 'object' || Array.isArray(given))) {
      throw new InvalidConfigError(section, `expected an object, got ${describe(given)}`)
    }
    const merged: Record<string, unknown> = { ...(defaults[section] as object), ...(given as object | undefined) }
    for (const [key, check] of Object.entries(spec)) check(merged[key], `${section}.${key}`)
    out[section] = merged
  }
  const sem = out.Semantic as NodeConfig['Semantic']
  if (sem.Embedder === 'use' && sem.Dimension !== USE_DIMENSION) {
    throw new InvalidConfigError(
      'Semantic.Dimension',
      `the "use" embedder makes ${USE_DIMENSION}-d vectors, got ${sem.Dimension} (set Semantic.Embedder to "hashing" for another dimension)`,
    )
  }
  return out as unknown as NodeConfig
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

/** Returns a copy of `config` with the dotted `key` set to `value`, validated (throws `InvalidConfigError`). */
export function setConfigKey(config: NodeConfig, key: string, value: unknown): NodeConfig {
  const parts = key.split('.')
  if (parts.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
    throw new InvalidConfigError(key, 'not a valid key')
  }
  const copy = structuredClone(config) as unknown as Record<string, unknown>
  let cur = copy
  for (const part of parts.slice(0, -1)) {
    const next = cur[part]
    if (next == null || typeof next !== 'object' || Array.isArray(next)) {
      if (next !== undefined) throw new InvalidConfigError(key, `${part} is not an object`)
      cur[part] = {}
    }
    cur = cur[part] as Record<string, unknown>
  }
  cur[parts[parts.length - 1]!] = value
  return validateConfig(copy)
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'string') return `"${v}"`
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`
}
