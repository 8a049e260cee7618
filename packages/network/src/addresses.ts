import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidAddressError } from './errors.js'

/** A checked multiaddr: `address` in canonical form (`/ipfs/` spelled `/p2p/`), `peer` its last `/p2p/` peer ID. */
export interface PeerAddress {
  readonly address: string
  readonly peer?: string
}

/**
 * Parses a multiaddr as libp2p will when it dials it, so a bad Bootstrap entry or dial target is refused up front
 * with `ERR_INVALID_MULTIADDR` and a reason (`unknown protocol "not"`, `Invalid IPv4 address …`, `"Qm…" is not a peer
 * ID`, …). With `requirePeer` it must end in `/p2p/<peer ID>`.
 */
export function parsePeerAddress(input: string, options: { requirePeer?: boolean } = {}): PeerAddress {
  const fail = (reason: string, cause?: unknown): never => {
    throw new InvalidAddressError(input, { what: 'multiaddr', reason, cause })
  }
  if (!input.startsWith('/')) fail('a multiaddr starts with "/"')
  let components: Array<{ name: string; value?: string }> = []
  let address = ''
  try {
    const ma = multiaddr(input)
    components = ma.getComponents()
    address = ma.toString()
  } catch (err) {
    const e = err as Error
    const unknown = /^Protocol (\S+) was unknown/.exec(e.message)
    fail(unknown ? `unknown protocol "${unknown[1]}"` : e.message, err)
  }
  const p2p = components.filter((c) => c.name === 'p2p')
  for (const c of p2p) if (!isPeerId(c.value ?? '')) fail(`"${c.value}" is not a peer ID`)
  const last = components.at(-1)
  if (options.requirePeer === true && last?.name !== 'p2p') fail('it must end in /p2p/<peer ID>')
  return { address, peer: p2p.at(-1)?.value }
}

/** Whether `id` is a peer ID in its usual text form (base58btc `Qm…` / `12D3KooW…`, or a CIDv1). */
export function isPeerId(id: string): boolean {
  try {
    peerIdFromString(id)
    return true
  } catch {
    return false
  }
}

/** The peer ID `text` spells; `ERR_INVALID_MULTIADDR` (naming `text`) when it spells none. */
export function peerIdOf(text: string): PeerId {
  try {
    return peerIdFromString(text)
  } catch (err) {
    throw new InvalidAddressError(text, { cause: err })
  }
}

/** What `connect` dials: a known peer (by ID), or a checked multiaddr. */
export function dialTarget(address: string): PeerId | ReturnType<typeof multiaddr> {
  return address.startsWith('/') ? multiaddr(parsePeerAddress(address).address) : peerIdOf(address)
}
