import type { NodeConfig } from './config.js'

/** Block compression algorithms (`none` stores blocks as they are). */
export const COMPRESSION_ALGORITHMS = ['none', 'zstd', 'lz4', 'snappy'] as const
export type CompressionAlgorithm = (typeof COMPRESSION_ALGORITHMS)[number]

/** AEAD ciphers for encryption at rest. */
export const ENCRYPTION_ALGORITHMS = ['aes-256-gcm', 'chacha20-poly1305'] as const
export type EncryptionAlgorithm = (typeof ENCRYPTION_ALGORITHMS)[number]

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
