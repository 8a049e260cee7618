import { badArgument } from './errors.js'

/** The file in the repo naming the running daemon's API address (Kubo's `$IPFS_PATH/api`). */
export const API_FILE = 'api'
/** The file in the repo naming the running daemon's gateway URL. */
export const GATEWAY_FILE = 'gateway'

/** `/ip4/<host>/tcp/<port>`, `/ip6/…`, `/dns4|dns6|dns/<name>/tcp/<port>` → host and port. */
export function tcpAddress(multiaddr: string): { host: string; port: number } {
  const m = /^\/(ip4|ip6|dns4|dns6|dns)\/([^/]+)\/tcp\/(\d+)\/?$/.exec(multiaddr)
  if (m == null) throw badArgument(`expected a TCP multiaddr such as /ip4/127.0.0.1/tcp/5001, got "${multiaddr}"`)
  const port = Number(m[3])
  if (port > 65535) throw badArgument(`port out of range in ${multiaddr}`)
  return { host: m[2] ?? '127.0.0.1', port }
}
