import type { ConnectionEncrypter } from '@libp2p/interface'
import type { TLSComponents } from '@libp2p/tls'

/** libp2p's TLS 1.3 protocol id (`@libp2p/tls`'s `PROTOCOL`), offered without loading the module. */
const TLS_PROTOCOL = '/tls/1.0.0'

/**
 * `@libp2p/tls`'s encrypter, offered at once but loaded when a connection first negotiates TLS. The module and its
 * X.509 stack (@peculiar/*, asn1, tsyringe: some 230 modules) cost an idle daemon ~11 MiB of RSS, and Noise is
 * offered first, so most nodes never load it; a peer that picks TLS waits once for the import. Its metrics
 * (`libp2p_tls_*`) are registered from that first use on.
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
      secureInbound: async (connection, options) => (await encrypter()).secureInbound(connection, options),
      secureOutbound: async (connection, options) => (await encrypter()).secureOutbound(connection, options),
    } as ConnectionEncrypter
  }
}
