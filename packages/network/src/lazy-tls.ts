import { type ConnectionEncrypter, serviceCapabilities } from '@libp2p/interface'
import type { TLSComponents } from '@libp2p/tls'

/** libp2p's TLS 1.3 protocol id (`@libp2p/tls`'s `PROTOCOL`), offered without loading the module. */
const TLS_PROTOCOL = '/tls/1.0.0'

/**
 * `@libp2p/tls`'s encrypter, offered at once (first, as Kubo offers it) but loaded by the first connection that
 * negotiates it. The module and its X.509 stack (@peculiar/*, asn1js, reflect-metadata: ~600 KiB of source) are
 * ~5 MiB of an idle daemon's memory that a node with no peers yet never needs; the first peer waits once for the
 * import. Its metrics (`libp2p_tls_*`) are registered from that first use on.
 */
export function lazyTls(): (components: TLSComponents) => ConnectionEncrypter {
  return (components) => {
    let loaded: Promise<ConnectionEncrypter> | undefined
    const encrypter = () => {
      loaded ??= import('@libp2p/tls').then(({ tls }) => tls()(components))
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
