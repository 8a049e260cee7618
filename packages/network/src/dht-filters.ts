import type { PeerInfo } from '@libp2p/interface'
import { removePrivateAddressesMapper, removePublicAddressesMapper } from '@libp2p/kad-dht'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Whether a multiaddr (text) is a WebSocket one: `/ip4/…/tcp/N/ws`, `…/wss` or `…/tls/ws`. */
export function isWebSocketAddress(address: string): boolean {
  return /\/(ws|wss)(\/|$)/.test(address)
}

/** Whether a multiaddr's host is this machine: 127.0.0.0/8, ::1 or `localhost`. */
export function isLoopback(address: Multiaddr): boolean {
  const host = address.getComponents()[0]
  if (host == null) return false
  if (host.name === 'ip4') return host.value?.startsWith('127.') === true
  if (host.name === 'ip6') return host.value === '::1' || host.value === '0:0:0:0:0:0:0:1'
  return host.name.startsWith('dns') && host.value === 'localhost'
}

/**
 * What the public DHT keeps of a peer's addresses: its public ones (a peer with none is not added to the routing table
 * and never handed to another peer), plus its loopback ones when `loopback` is set (`Routing.LoopbackAddressesOnWanDHT`).
 */
export function wanPeerInfo(loopback: boolean): (peer: PeerInfo) => PeerInfo {
  if (!loopback) return removePrivateAddressesMapper
  return (peer) => {
    const kept = new Set(removePrivateAddressesMapper(peer).multiaddrs)
    return { ...peer, multiaddrs: peer.multiaddrs.filter((a) => kept.has(a) || isLoopback(a)) }
  }
}

/** What the LAN DHT keeps of a peer's addresses: private and loopback ones only. */
export const lanPeerInfo: (peer: PeerInfo) => PeerInfo = removePublicAddressesMapper
