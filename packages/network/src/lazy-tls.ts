import { type ConnectionEncrypter, serviceCapabilities } from '@libp2p/interface'
import type { TLSComponents } from '@libp2p/tls'

/** libp2p's TLS 1.3 protocol id (`@libp2p/tls`'s `PROTOCOL`), offered without loading the module. */
export const TLS_PROTOCOL = '/tls/1.0.0'

/**
 * Our TLS encrypter (tls-encrypter.ts: `@libp2p/tls`'s handshake, TLS on the TCP socket itself where it can), offered
 * at once (first, as Kubo offers it) but loaded by the first connection that negotiates it. It and `@libp2p/tls`'s
 * X.509 stack (@peculiar/*, asn1js, reflect-metadata: ~600 KiB of source) are ~5 MiB of an idle daemon's memory that
 * a node with no peers yet never needs; the first peer waits once for the import.
 */
export function lazyTls(): (components: TLSComponents) => ConnectionEncrypter {
  return (components) => {
    let loaded: Promise<ConnectionEncrypter> | undefined
    const encrypter = () => {
      loaded ??= import('./tls-encrypter.js').then(({ TlsEncrypter }) => new TlsEncrypter(components))
      return loaded
    }
    return {
      protocol: TLS_PROTOCOL,
      [Symbol.toStringTag]: '@libp2p/tls',
      [serviceCapabilities]: ['@libp2p/connection-encryption'],
      secureInbound: async (connection, options) => (await encrypter()).secureInbound(connection, options),
      secureOutbound: async (connection, options) => (await encrypter()).secureOutbound(connection, options),
    } as ConnectionEncrypter
  }
}
