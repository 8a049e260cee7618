import type { NameApi, NodeApi } from '@ipfrs/node-api'

/** How long a gateway response for an `/ipns/` path may be cached (Kubo uses the record's TTL; 1 min is our cap). */
const IPNS_MAX_AGE_SECONDS = 60

/**
 * `/ipns/<name>[/path]` → the `/ipfs/<cid>[/path]` its record points at, or undefined for any other path. The
 * response may be cached briefly, never as immutable (the name can move). DNSLink names are not resolved.
 */
export async function ipnsToIpfs(
  node: NodeApi & { name?: NameApi },
  pathname: string,
  setHeader: (name: string, value: string) => void,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const m = /^\/ipns\/([^/]+)(\/.*)?$/.exec(pathname)
  if (m == null || node.name == null) return undefined
  const resolved = await node.name.resolve(`/ipns/${m[1]}`, { signal })
  setHeader('X-Ipns-Path', pathname)
  setHeader('Cache-Control', `public, max-age=${IPNS_MAX_AGE_SECONDS}`)
  return `${resolved.replace(/\/+$/, '')}${m[2] ?? ''}`
}
