import { createRequire } from 'node:module'
import { quic } from '@chainsafe/libp2p-quic'
import type { NodeConfig } from '@ipfrs/core'
import { autoNAT } from '@libp2p/autonat'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub } from '@libp2p/gossipsub'
import { identify, identifyPush } from '@libp2p/identify'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { kadDHT } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { MemoryDatastore, MountDatastore } from 'datastore-core'
import { type Datastore, Key } from 'interface-datastore'
import { ipnsSelector } from 'ipns/selector'
import { ipnsValidator } from 'ipns/validator'
import type { Libp2pOptions } from 'libp2p'
import type { Registry } from 'prom-client'
import { isWebSocketAddress, lanPeerInfo, wanPeerInfo } from './dht-filters.js'
import { lazyTls } from './lazy-tls.js'
import { growQuicReads } from './quic-reads.js'

/** What one stream may buffer before its handler reads it (see `streamMuxers` below). */
export const STREAM_READ_BUFFER_BYTES = 64 * 1024 * 1024

/**
 * The UDP socket buffers QUIC asks for, each way: quic-go's (Kubo's QUIC) 7.5 MB, which Linux caps at
 * `net.core.rmem_max` / `wmem_max` (4 MiB here). @chainsafe/libp2p-quic asks for 500 KB, and a 128 MiB transfer
 * between two nodes on 127.0.0.1 overflowed the receiving socket's buffer ~200-400 times (datagrams dropped, each
 * one resent after QUIC's loss detection: `RcvbufErrors` in /proc/net/snmp); with this, none to a few dozen. Memory is
 * taken only as datagrams wait in the buffer.
 */
export const QUIC_SOCKET_BUFFER_BYTES = 7_500_000

/** The Kademlia protocol of the public IPFS DHT. */
export const KAD_PROTOCOL = '/ipfs/kad/1.0.0'

/** The Kademlia protocol of the LAN DHT (Kubo's and Helia's), for peers reachable at private addresses. */
export const LAN_KAD_PROTOCOL = '/ipfs/lan/kad/1.0.0'

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
  // a `/ws` address listens whatever TCP says (Kubo's Websocket transport is a switch of its own); the transport is
  // loaded only when one is listed, so a node without one neither listens nor dials over WebSockets
  const listen = config.Addresses.Swarm.filter((a) =>
    isWebSocketAddress(a) ? true : a.includes('/quic') ? QUIC : a.includes('/tcp/') ? TCP : true,
  )
  const ws = listen.some(isWebSocketAddress)
  // required (Node loads an ES module synchronously) only then: the module and `ws` cost ~4 MiB of RSS otherwise
  const webSockets = ws
    ? (createRequire(import.meta.url)('@libp2p/websockets') as typeof import('@libp2p/websockets')).webSockets
    : undefined
  // QUIC streams read 4 KiB per call into the library's Rust side; let a busy one read more (quic-reads.ts)
  if (QUIC) growQuicReads()
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
    const dhtOptions = {
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
    }
    // Two DHTs, as Kubo and Helia run them: the public one sees only public addresses (so a node's private and
    // loopback addresses never enter its routing tables or the peer records it hands out), the LAN one only private
    // and loopback ones. libp2p's content and peer routing ask both, so provide, findProviders, findPeer and IPNS
    // records go through each. `Routing.LoopbackAddressesOnWanDHT` (the test profile sets it) lets loopback peers
    // into the public one too, for local clusters and tests on 127.0.0.1.
    // A query on a DHT whose routing table is empty waits for its first peer (kad-dht's default), and libp2p waits for
    // every DHT's provide or put. On a LAN the public table may stay empty for good, so the public DHT waits only when
    // loopback peers fill it (the test profile, as before there was a LAN DHT) and the LAN DHT never waits: a node
    // that knows no LAN peer still provides to and asks the public DHT. Network.provide waits for a first peer in
    // either table instead.
    const loopbackOnWan = routing.LoopbackAddressesOnWanDHT === true
    services.dht = kadDHT({
      ...dhtOptions,
      protocol: KAD_PROTOCOL,
      clientMode: routing.Type === 'dhtclient',
      peerInfoMapper: wanPeerInfo(loopbackOnWan),
      allowQueryWithZeroPeers: !loopbackOnWan,
    })
    services.lanDHT = kadDHT({
      ...dhtOptions,
      protocol: LAN_KAD_PROTOCOL,
      // a LAN peer always answers (Kubo's LAN DHT is a server whatever Routing.Type says)
      clientMode: false,
      peerInfoMapper: lanPeerInfo,
      allowQueryWithZeroPeers: true,
      logPrefix: 'libp2p:dht-lan',
      datastorePrefix: '/dht-lan',
      metricsPrefix: 'libp2p_dht_lan',
    })
  }
  const peerDiscovery: unknown[] = []
  if (config.Bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: config.Bootstrap }))
  return {
    privateKey: init.privateKey,
    datastore: peersInMemory(init.datastore),
    addresses: { listen, announce: config.Addresses.Announce },
    transports: [
      ...(TCP ? [tcp()] : []),
      ...(QUIC
        ? [quic({ receiveBufferSize: QUIC_SOCKET_BUFFER_BYTES, sendBufferSize: QUIC_SOCKET_BUFFER_BYTES })]
        : []),
      ...(webSockets != null ? [webSockets()] : []),
    ],
    // TLS 1.3 first, Noise second, as Kubo offers them (a Noise-only peer, e.g. js-ipfs, still connects). TLS costs
    // 15-20% less CPU per byte (OpenSSL's AES-GCM against Noise's ChaCha20-Poly1305); one quiet run each way, 512 MiB
    // (bench/results/tensorswap.md): TensorSwap 227 vs 188 MiB/s, Bitswap 113 vs 100; two daemons' `ipfrs cat` the
    // same. Node's TLS socket decrypts only what is read, so a TensorSwap peer that ignores its credit is throttled by
    // TCP rather than refused as ERR_CREDIT_EXCEEDED, which it still is over Noise (transport/test/malformed.int.test.ts).
    // TLS is loaded by the first connection that negotiates it (lazy-tls.ts). An earlier lazy wrapper offered Noise
    // first, so connections went over Noise, and two daemons' `ipfrs cat` fell from 19-20 to 8.6 MiB/s
    connectionEncrypters: [lazyTls(), noise()],
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
