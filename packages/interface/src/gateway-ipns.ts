import type { NameApi, NodeApi } from '@ipfrs/node-api'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { badArgument } from './errors.js'
import type { DnslinkResolver } from './gateway-dnslink.js'

/** How long a gateway response for an `/ipns/` path may be cached (Kubo uses the record's TTL; 1 min is our cap). */
const IPNS_MAX_AGE_SECONDS = 60

/**
 * `/ipns/<name>[/path]` → the `/ipfs/<cid>[/path]` its record points at, or undefined for any other path. A name
 * with a dot is a DNSLink domain (`_dnslink.<name>` TXT, through `dnslink`); any other is an IPNS key. The response
 * may be cached briefly, never as immutable (the name can move).
 */
export async function ipnsToIpfs(
  node: NodeApi & { name?: NameApi },
  pathname: string,
  setHeader: (name: string, value: string) => void,
  dnslink?: DnslinkResolver,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const m = /^\/ipns\/([^/]+)(\/.*)?$/.exec(pathname)
  if (m == null) return undefined
  let name: string
  try {
    name = decodeURIComponent(m[1]!)
  } catch {
    throw badArgument('malformed percent-encoding in the IPNS name')
  }
  const rest = m[2] ?? ''
  let resolved: string
  if (name.includes('.') && dnslink != null) {
    const target = await dnslink.resolve(name, signal)
    if (target.namespace === 'ipfs') resolved = `/ipfs/${target.cid}${target.path}`
    else {
      if (node.name == null) return undefined
      const key = CID.createV1(0x72, Digest.decode(target.key)).toString(base36)
      resolved = `${(await node.name.resolve(`/ipns/${key}`, { signal })).replace(/\/+$/, '')}${target.path}`
    }
  } else {
    if (node.name == null) return undefined
    resolved = await node.name.resolve(`/ipns/${name}`, { signal })
  }
  setHeader('X-Ipns-Path', pathname)
  setHeader('Cache-Control', `public, max-age=${IPNS_MAX_AGE_SECONDS}`)
  return `${resolved.replace(/\/+$/, '')}${rest}`
}
