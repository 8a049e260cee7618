/**
 * DNSLink (`_dnslink.<domain>` TXT `dnslink=/ipfs/…` or `/ipns/…`) through `@helia/dnslink`, asking the resolvers
 * of the config's `DNS.Resolvers` as Kubo's: a map from a domain suffix (`.` for every name, `eth.`, `example.com.`)
 * to a resolver — `https://…` (DNS over HTTPS, as Kubo takes), `udp://<ip>[:port]` or `<ip>[:port]` (plain DNS).
 * The longest matching suffix wins; names no entry matches use the system's resolver.
 */
import { Resolver } from 'node:dns/promises'
import { type DNSLinkResolveResult, dnsLink } from '@helia/dnslink'
import { InvalidConfigError } from '@ipfrs/core'
import type { DNS, DNSResponse } from '@multiformats/dns'
import { type DNSResolver, dnsOverHttps } from '@multiformats/dns/resolvers'
import { DnsFailedError, DnslinkNotFoundError } from './gateway-errors.js'

const TXT = 16
const CNAME = 5
/** Node's resolver does not report a TXT record's TTL; answers are kept this long. */
const ANSWER_TTL_SECONDS = 60
/** Per try (two tries); a whole query gives up after `QUERY_LIMIT_MS`. */
const QUERY_TIMEOUT_MS = 4000
const QUERY_LIMIT_MS = 10_000

/** A DNSLink target: `/ipfs/<cid>[/path]` or an IPNS key `k51…` with a path. */
export type DnslinkTarget =
  | { namespace: 'ipfs'; cid: string; path: string }
  | { namespace: 'ipns'; key: Uint8Array; path: string }

export interface DnslinkResolver {
  resolve(domain: string, signal?: AbortSignal): Promise<DnslinkTarget>
}

/** Builds the resolver from the config's `DNS.Resolvers`. */
export function dnslinkResolver(config: unknown): DnslinkResolver {
  const dns = configuredDns(config)
  const logger = { forComponent: () => silentLog } as unknown as Parameters<typeof dnsLink>[0]['logger']
  const link = dnsLink({ dns, logger }, { cacheMaxAge: ANSWER_TTL_SECONDS * 1000 })
  return {
    async resolve(domain, signal) {
      let results: DNSLinkResolveResult[]
      try {
        results = await link.resolve(domain, { signal })
      } catch (err) {
        if ((err as Error).name === 'DNSLinkNotFoundError') throw new DnslinkNotFoundError(domain)
        throw new DnsFailedError(domain, err)
      }
      const first = results[0] as DNSLinkResolveResult & {
        cid?: { toString(): string }
        value?: { bytes: Uint8Array }
        path: string
      }
      if (first?.namespace === 'ipfs' && first.cid != null)
        return { namespace: 'ipfs', cid: first.cid.toString(), path: first.path }
      if (first?.namespace === 'ipns' && first.value != null)
        return { namespace: 'ipns', key: first.value.bytes, path: first.path }
      throw new DnslinkNotFoundError(domain)
    },
  }
}

const silentLog = Object.assign(() => {}, {
  enabled: false,
  error: () => {},
  trace: () => {},
  newScope: () => silentLog,
})

function configuredDns(config: unknown): DNS {
  const section = (config as { DNS?: unknown }).DNS ?? {}
  if (typeof section !== 'object' || section == null || Array.isArray(section))
    throw new InvalidConfigError('DNS', 'expected an object')
  const given = (section as { Resolvers?: unknown }).Resolvers ?? {}
  if (typeof given !== 'object' || given == null || Array.isArray(given))
    throw new InvalidConfigError('DNS.Resolvers', 'expected an object of domain suffixes to resolver addresses')
  const resolvers: Array<[string, DNSResolver]> = []
  for (const [suffix, address] of Object.entries(given)) {
    const field = `DNS.Resolvers.${suffix}`
    if (typeof address !== 'string') throw new InvalidConfigError(field, 'expected a resolver address')
    const key = suffix === '.' ? '.' : `.${suffix.replace(/^\.+|\.+$/g, '').toLowerCase()}.`
    resolvers.push([key, resolverFor(address, field)])
  }
  resolvers.sort((a, b) => b[0].length - a[0].length)
  const system = plainDns([])
  return {
    query(fqdn, options = {}) {
      const name = `.${fqdn.toLowerCase().replace(/\.$/, '')}.`
      const resolver = resolvers.find(([suffix]) => suffix === '.' || name.endsWith(suffix))?.[1] ?? system
      return resolver(fqdn, { ...options, signal: options.signal ?? AbortSignal.timeout(QUERY_LIMIT_MS) })
    },
  }
}

function resolverFor(address: string, field: string): DNSResolver {
  if (address === '' || address === 'auto') return plainDns([])
  if (address.startsWith('https://')) return dnsOverHttps(address)
  const server = address.replace(/^udp:\/\//, '')
  if (!/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])(:\d{1,5})?$/i.test(server))
    throw new InvalidConfigError(field, `"${address}" is not https://…, udp://<ip>[:port] or <ip>[:port]`)
  return plainDns([server])
}

/** Plain DNS (UDP, TCP on truncation) through Node's resolver, at `servers` (the system's when empty). */
function plainDns(servers: string[]): DNSResolver {
  return async (fqdn, options = {}) => {
    const resolver = new Resolver({ timeout: QUERY_TIMEOUT_MS, tries: 2 })
    if (servers.length > 0) resolver.setServers(servers)
    const cancel = () => resolver.cancel()
    options.signal?.addEventListener('abort', cancel, { once: true })
    const types = [options.types ?? TXT].flat()
    try {
      const answers: DNSResponse['Answer'] = []
      for (const type of types) {
        const data = await lookup(resolver, fqdn, type)
        for (const d of data) answers.push({ name: fqdn, type, TTL: ANSWER_TTL_SECONDS, data: d })
      }
      return { Status: 0, TC: false, RD: true, RA: true, AD: false, CD: false, Question: [], Answer: answers }
    } finally {
      options.signal?.removeEventListener('abort', cancel)
    }
  }
}

async function lookup(resolver: Resolver, fqdn: string, type: number): Promise<string[]> {
  try {
    if (type === TXT) return (await resolver.resolveTxt(fqdn)).map((chunks) => chunks.join(''))
    if (type === CNAME) return await resolver.resolveCname(fqdn)
    return []
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'ENOTFOUND' || code === 'ENODATA') return [] // no such name / no such record: an empty answer
    throw err
  }
}
