/**
 * What the request's `Host` asks for, as Kubo's gateway reads it: `<cid>.ipfs.<gateway>` and `<name>.ipns.<gateway>`
 * (subdomain gateway) are served from that root; a path request (`/ipfs/<cid>`) on a gateway host with
 * `UseSubdomains` is redirected (301) to its subdomain form with the CID as CIDv1 base32; any other DNS name is a
 * DNSLink website (unless `Gateway.NoDNSLink`). Config as Kubo's `Gateway.PublicGateways` (`localhost` is built in).
 */
import { isIP } from 'node:net'
import { CID, InvalidConfigError } from '@ipfrs/core'
import { base32 } from 'multiformats/bases/base32'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import * as Digest from 'multiformats/hashes/digest'
import { InvalidSubdomainError } from './gateway-errors.js'

export interface PublicGateway {
  /** Namespaces served (`/ipfs`, `/ipns`). */
  Paths: string[]
  /** Serve `<id>.<ns>.<host>` and redirect path requests there. */
  UseSubdomains: boolean
}

export interface GatewayHostConfig {
  gateways: Map<string, PublicGateway>
  /** No Host-based DNSLink (Kubo's `Gateway.NoDNSLink`). */
  noDnslink: boolean
}

const DEFAULT_GATEWAYS: Record<string, PublicGateway> = {
  localhost: { Paths: ['/ipfs', '/ipns'], UseSubdomains: true },
}

/** Reads `Gateway.PublicGateways` (a `null` entry removes a built-in one) and `Gateway.NoDNSLink` from the config. */
export function gatewayHostConfig(config: unknown): GatewayHostConfig {
  const section = (config as { Gateway?: unknown }).Gateway ?? {}
  if (typeof section !== 'object' || section == null || Array.isArray(section))
    throw new InvalidConfigError('Gateway', 'expected an object')
  const { PublicGateways = {}, NoDNSLink = false } = section as Record<string, unknown>
  if (typeof NoDNSLink !== 'boolean') throw new InvalidConfigError('Gateway.NoDNSLink', 'expected a boolean')
  if (typeof PublicGateways !== 'object' || PublicGateways == null || Array.isArray(PublicGateways))
    throw new InvalidConfigError('Gateway.PublicGateways', 'expected an object of host names')
  const gateways = new Map(Object.entries(DEFAULT_GATEWAYS))
  for (const [host, spec] of Object.entries(PublicGateways)) {
    const field = `Gateway.PublicGateways.${host}`
    if (spec === null) {
      gateways.delete(host.toLowerCase())
      continue
    }
    const { Paths = ['/ipfs', '/ipns'], UseSubdomains = false } = (spec ?? {}) as Record<string, unknown>
    if (!Array.isArray(Paths) || Paths.some((p) => p !== '/ipfs' && p !== '/ipns'))
      throw new InvalidConfigError(`${field}.Paths`, 'expected a list of "/ipfs" and "/ipns"')
    if (typeof UseSubdomains !== 'boolean') throw new InvalidConfigError(`${field}.UseSubdomains`, 'expected a boolean')
    gateways.set(host.toLowerCase(), { Paths: Paths as string[], UseSubdomains })
  }
  return { gateways, noDnslink: NoDNSLink }
}

export type HostRoute =
  /** A path gateway request: serve `url.pathname`. */
  | { kind: 'path' }
  /** Serve this content path (`/ipfs/<cid>/…` or `/ipns/<name>/…`). */
  | { kind: 'content'; path: string }
  | { kind: 'redirect'; location: string }

/**
 * Routes a request by its Host. `trustless` requests (raw blocks, CARs) are never redirected: they carry no
 * origin to isolate, and trustless clients address gateways by path.
 */
export function routeHost(
  config: GatewayHostConfig,
  host: string | undefined,
  url: URL,
  trustless: boolean,
): HostRoute {
  if (host == null) return { kind: 'path' }
  const hostname = hostnameOf(host)
  if (hostname === '' || isIP(hostname) !== 0) return { kind: 'path' }
  const gateway = config.gateways.get(hostname)
  if (gateway != null) {
    const m = /^\/(ipfs|ipns)\/([^/?#]+)(.*)$/.exec(url.pathname)
    if (m == null || !gateway.Paths.includes(`/${m[1]}`) || !gateway.UseSubdomains || trustless) return { kind: 'path' }
    const label = m[1] === 'ipfs' ? ipfsLabel(m[2]!) : ipnsLabel(m[2]!)
    if (label == null) return { kind: 'path' } // too long for a DNS label: stays a path request
    return { kind: 'redirect', location: `http://${label}.${m[1]}.${host}${m[3] ?? ''}${url.search}` }
  }
  for (const [gw, spec] of config.gateways) {
    if (!spec.UseSubdomains || !hostname.endsWith(`.${gw}`)) continue
    const sub = hostname.slice(0, -gw.length - 1)
    const m = /^(.*)\.(ipfs|ipns)$/.exec(sub)
    if (m == null) continue
    const [, id = '', ns = ''] = m
    if (!spec.Paths.includes(`/${ns}`)) throw new InvalidSubdomainError(hostname, `/${ns} is not served on ${gw}`)
    if (id.includes('.') || id === '')
      throw new InvalidSubdomainError(hostname, 'expected one label before .ipfs/.ipns')
    if (ns === 'ipfs') {
      const canonical = ipfsLabel(id)
      if (canonical == null) throw new InvalidSubdomainError(hostname, `"${id}" is not a CIDv1`)
      if (canonical !== id) {
        const port = host.slice(hostnameOf(host).length)
        const location = `http://${canonical}.ipfs.${gw}${port}${url.pathname}${url.search}`
        return { kind: 'redirect', location }
      }
      return { kind: 'content', path: `/ipfs/${id}${url.pathname}` }
    }
    return { kind: 'content', path: `/ipns/${ipnsName(id)}${url.pathname}` }
  }
  const pathRequest = url.pathname.startsWith('/ipfs/') || url.pathname.startsWith('/ipns/')
  // a name without a dot (a LAN host name) is no DNSLink domain
  if (config.noDnslink || pathRequest || !hostname.includes('.')) return { kind: 'path' }
  return { kind: 'content', path: `/ipns/${hostname}${url.pathname}` }
}

function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase()
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined)
  const colon = h.lastIndexOf(':')
  return (colon >= 0 ? h.slice(0, colon) : h).replace(/\.$/, '')
}

/** A CID as a subdomain label: CIDv1 base32 (base36 if that is too long), or undefined when not a CID / too long. */
function ipfsLabel(id: string): string | undefined {
  let cid: CID
  try {
    cid = CID.parse(id, id.startsWith('k') ? base36 : id.startsWith('z') || id.startsWith('Q') ? base58btc : base32)
  } catch {
    return undefined
  }
  if (cid.version === 0 && id !== cid.toString()) return undefined // a CIDv0 lowercased by DNS is lost
  const v1 = cid.toV1()
  const b32 = v1.toString(base32)
  if (b32.length <= 63) return b32
  const b36 = v1.toString(base36)
  return b36.length <= 63 ? b36 : undefined
}

/** An IPNS name as a label: a key as CIDv1 libp2p-key base36 (`k51…`); a DNS name inlined (`.`→`-`, `-`→`--`). */
function ipnsLabel(name: string): string | undefined {
  const key = keyCid(name)
  if (key != null) return key.toString(base36)
  if (!name.includes('.')) return name.length <= 63 ? name : undefined
  const inlined = name.replace(/-/g, '--').replace(/\./g, '-')
  return inlined.length <= 63 ? inlined : undefined
}

/** A subdomain's IPNS label back to a name: a key stays, an inlined DNSLink name is expanded. */
function ipnsName(label: string): string {
  if (keyCid(label) != null) return label
  return label
    .split('--')
    .map((part) => part.replace(/-/g, '.'))
    .join('-')
}

function keyCid(name: string): CID | undefined {
  try {
    if (/^(12D3|Qm|16U)/.test(name)) return CID.createV1(0x72, Digest.decode(base58btc.baseDecode(name)))
    const cid = CID.parse(name, name.startsWith('k') ? base36 : base32)
    return cid.code === 0x72 ? cid : undefined
  } catch {
    return undefined
  }
}
