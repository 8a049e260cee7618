/**
 * @ipfrs/network: the libp2p side of an IPFRS node. TCP and QUIC, Noise, Yamux, identify, ping, AutoNAT, the
 * Kademlia DHTs (`/ipfs/kad/1.0.0` and the LAN one, `/ipfs/lan/kad/1.0.0`), WebSockets when listed, Bitswap 1.2.0 through Helia, and GossipSub block announcements.
 */
export { isPeerId, type PeerAddress, parsePeerAddress } from './addresses.js'
export { type Announcement, BLOCKS_TOPIC, BlockAnnouncements } from './announcements.js'
export { bitswapBlocksHashedOffThread, blockHashers, digestMessageBlocks } from './block-digests.js'
export { type ClosestPeersDht, type ClosestPeersOptions, closestPeers } from './closest-peers.js'
export {
  BitswapHookError,
  FetchTimeoutError,
  InvalidAddressError,
  OfflineError,
  PeerNotFoundError,
  RoutingDisabledError,
} from './errors.js'
export { KAD_PROTOCOL, LAN_KAD_PROTOCOL, libp2pOptions } from './libp2p-options.js'
export { Network, type NetworkInit, type PeerConnection } from './network.js'
export { type PeerScore, PeerScores, type PeerScoresInit, type WantListEvents } from './peer-scores.js'
export { type TopicMessage, Topics } from './topics.js'
