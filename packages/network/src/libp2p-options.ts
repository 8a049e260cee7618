import { quic } from '@chainsafe/libp2p-quic'
import type { NodeConfig } from '@ipfrs/core'
import { autoNAT } from '@libp2p/autonat'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub } from '@libp2p/gossipsub'
import { identify, identifyPush } from '@libp2p/identify'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { tls } from '@libp2p/tls'
import { yamux } from '@libp2p/yamux'
import { MemoryDatastore, MountDatastore } from 'datastore-core'
import { type Datastore, Key } from 'interface-datastore'
import { ipnsSelector } from 'ipns/selector'
import { ipnsValidator } from 'ipns/validator'
import type { Libp2pOptions } from 'libp2p'
import type { Registry } from 'prom-client'

/** What one stream may buffer before its handler reads it (see `streamMuxers` below). */
export const STREAM_READ_BUFFER_BYTES = 64 * 1024 * 1024

/** The Kademlia protocol of the public IPFS DHT. */
export const KAD_PROTOCOL = '/ipfs/kad/1.0.0'

/**
 * libp2p options from the node config, and nothing else: no public bootstrap list, delegated routing, UPnP, relay
 * or AutoTLS sneaks in from a library default. What listens and what the DHT does is exactly what the config says.
 */
export function libp2pOptions(
  config: NodeConfig,
  init: {
    privateKey: PrivateKey
    datastore: Datastore
    isBanned?: (peer: PeerId) => boolean
    /** A prom-client registry to publish libp2p's own metrics (connections, streams, DHT, Bitswap) into. */
    metricsRegistry?: Registry
  },
): Libp2pOptions {
  const banned = init.isBanned ?? (() => false)
  const { TCP, QUIC } = config.Swarm.Transports.Network
  const listen = config.Addresses.Swarm.filter((a) => (a.includes('/quic') ? QUIC : a.includes('/tcp/') ? TCP : true))
  const routing = config.Routing
  const services: Record<string, (components: never) => unknown> = {
    identify: identify(),
    identifyPush: identifyPush(),
    ping: ping(),
    autoNAT: autoNAT(),
    pubsub: gossipsub({
      // our own announcements are not echoed back; a lone node may still publish
      emitSelf: false,
      allowPublishToZeroTopicPeers: true,
    }),
  }
  if (routing.Type !== 'none') {
    // Provider records live ProviderTTLSeconds; ours are re-announced once older than ReprovideIntervalSeconds (as in
    // Kubo). kad-dht's reprovider pass does both jobs, deleting others' expired records and re-announcing ours, so it
    // runs a few times per TTL for records to disappear close to their expiry.
    const ttl = routing.ProviderTTLSeconds * 1000
    const every = routing.ReprovideIntervalSeconds * 1000
    services.dht = kadDHT({
      protocol: KAD_PROTOCOL,
      clientMode: routing.Type === 'dhtclient',
      // keep loopback and private addresses: a local network is still a network (Kubo's LAN DHT does the same)
      peerInfoMapper: passthroughMapper,
      // IPNS records (`/ipns/<multihash>`): signature, expiry and size checked on every PUT and GET; newest wins
      validators: { ipns: ipnsValidator },
      selectors: { ipns: ipnsSelector },
      // Daemon.LowPower: the self-query that refreshes the routing table runs every 30 min instead of kad-dht's 5 min
      ...(config.Daemon.LowPower ? { querySelfInterval: 30 * 60_000, initialQuerySelfInterval: 10_000 } : {}),
      reprovide: {
        validity: ttl,
        interval: Math.max(250, Math.min(every, ttl / 4)),
        threshold: every < ttl ? ttl - every : ttl / 2,
      },
    })
  }
  const peerDiscovery: unknown[] = []
  if (config.Bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: config.Bootstrap }))
  return {
    privateKey: init.privateKey,
    datastore: peersInMemory(init.datastore),
    addresses: { listen, announce: config.Addresses.Announce },
    transports: [...(TCP ? [tcp()] : []), ...(QUIC ? [quic()] : [])],
    // Noise first, TLS 1.3 offered too (Kubo offers TLS first; a Kubo dialer gets it). Measured on our own nodes TLS
    // was no faster within the noise of a shared machine, and Node's TLS socket only decrypts what is read, so a
    // TensorSwap peer that ignores its credit is throttled by TCP instead of caught: with Noise the excess arrives and
    // is refused as ERR_CREDIT_EXCEEDED (transport/test/malformed.int.test.ts)
    connectionEncrypters: [noise(), tls()],
    // a stream buffers what arrives before its protocol handler listens; Helia's Bitswap attaches its listener only
    // after closing its write side, and a Bitswap message to us is one stream of up to 1024 blocks (MiBs). yamux's
    // default 4 MiB limit aborted such streams whenever the handler was a little late (a loaded machine), which
    // silently dropped the blocks in them and stalled the fetch; the limit stays, set to what a burst can carry
    streamMuxers: [yamux({ streamOptions: { maxReadBufferLength: STREAM_READ_BUFFER_BYTES } })],
    peerDiscovery,
    ...(init.metricsRegistry != null
      ? {
          metrics: prometheusMetrics({
            registry: init.metricsRegistry,
            collectDefaultMetrics: false,
            preserveExistingMetrics: true,
          }),
        }
      : {}),
    // libp2p's default of 5 inbound connections per second per host is too few for a LAN or a local cluster whose
    // nodes all bootstrap from one peer at once; the connection cap (HighWater) still bounds the total
    // HighWater/LowWater trimming is ours (see Network); libp2p's own cap sits above it as a hard limit
    connectionManager: { maxConnections: config.Swarm.ConnMgr.HighWater + 32, inboundConnectionThreshold: 50 },
    // peers banned for sending bad blocks can neither be dialled nor dial in
    connectionGater: {
      denyDialPeer: (peer: PeerId) => banned(peer),
      denyInboundEncryptedConnection: (peer: PeerId) => banned(peer),
      denyOutboundEncryptedConnection: (peer: PeerId) => banned(peer),
    },
    services,
  } as unknown as Libp2pOptions
}

/**
 * libp2p's datastore, with its peer store (`/peers/...`) in memory as Kubo keeps its peerstore: libp2p reads and
 * rewrites a peer's record every time a stream to it opens (to note the protocol), and Bitswap opens one stream per
 * message, so a disk-backed peer store did two LevelDB operations per block message on each side. Everything else
 * (DHT records, the routing table) stays in the repo's datastore.
 */
function peersInMemory(datastore: Datastore): Datastore {
  return new MountDatastore([
    { prefix: new Key('/peers'), datastore: new MemoryDatastore() },
    { prefix: new Key('/'), datastore },
  ]) as unknown as Datastore
}
