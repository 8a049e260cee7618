import { type PeerAddress, parsePeerAddress } from './addresses.js'

/**
 * The public IPFS bootstrap peers, as Kubo ships them: `ipfrs init` writes them (unless `--profile test`), and
 * `ipfrs bootstrap add default` (RPC `bootstrap/add?default=true`) restores them. Library nodes start with none.
 */
export const DEFAULT_BOOTSTRAP: readonly string[] = [
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmbLHAnMoJPWSCR5Zhtx6BHJX9KiKNN6tpvbUcqanj75Nb',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmcZf59bWwK5XFi76CZX8cbJ4BhTzzA3gU1ZjYZcYW3dwt',
  '/dnsaddr/va1.bootstrap.libp2p.io/p2p/12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc8',
  '/ip4/104.131.131.82/tcp/4001/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ',
  '/ip4/104.131.131.82/udp/4001/quic-v1/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ',
]

/** A change to the Bootstrap list: the list to save and the entries it added or removed. */
export interface BootstrapChange {
  readonly next: string[]
  readonly changed: string[]
}

/**
 * Adds peers (`<multiaddr>/p2p/<peer ID>`) to a Bootstrap list. Every address is checked first
 * (`ERR_INVALID_MULTIADDR`), so a bad one changes nothing; `changed` holds those not already listed.
 */
export function addBootstrapPeers(current: readonly string[], peers: readonly string[]): BootstrapChange {
  const given = peers.map((p) => parsePeerAddress(p, { requirePeer: true }).address)
  const added = [...new Set(given)].filter((p) => !current.includes(p))
  return { next: [...current, ...added], changed: added }
}

/**
 * Removes peers from a Bootstrap list (`'all'` empties it). `/p2p/<peer ID>` alone removes every entry of that peer.
 */
export function removeBootstrapPeers(current: readonly string[], peers: readonly string[] | 'all'): BootstrapChange {
  if (peers === 'all') return { next: [], changed: [...current] }
  const given = peers.map((p) => parsePeerAddress(p, { requirePeer: true }))
  const parsed = (entry: string): PeerAddress | undefined => {
    try {
      return parsePeerAddress(entry)
    } catch {
      return undefined
    }
  }
  const matches = (entry: string) => {
    const e = parsed(entry)
    return given.some((g) => g.address === e?.address || (g.address === `/p2p/${g.peer}` && e?.peer === g.peer))
  }
  return { next: current.filter((e) => !matches(e)), changed: current.filter(matches) }
}
