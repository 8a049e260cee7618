/**
 * libp2p's key and peer-ID code, loaded on first use. @libp2p/crypto and @libp2p/peer-id bring ~80 modules with them
 * (@noble/curves, protons, @libp2p/interface) that cost a process ~50 ms to load: a command that never signs, makes
 * a key or goes online (an offline `ipfrs add` or `cat`) does without them.
 */
type Libp2pKeys = typeof import('@libp2p/crypto/keys') & typeof import('@libp2p/peer-id')

let loading: Promise<Libp2pKeys> | undefined

export function libp2pKeys(): Promise<Libp2pKeys> {
  loading ??= Promise.all([import('@libp2p/crypto/keys'), import('@libp2p/peer-id')]).then(([keys, peerId]) => ({
    ...keys,
    ...peerId,
  }))
  return loading
}
