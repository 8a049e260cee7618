import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { extname } from 'node:path'
import { type CID, formatCid, parseCid } from '@ipfrs/core'
import type { LsEntry as ListEntry, NodeApi } from '@ipfrs/node-api'
import { ByteLru } from './byte-lru.js'
import { badArgument, GatewayNotFoundError, methodNotAllowed } from './errors.js'
import { type DnslinkResolver, dnslinkResolver } from './gateway-dnslink.js'
import { errorResponseText, NotCachedError } from './gateway-errors.js'
import { FORMAT_OF_CODEC, responseFormat, serveCodec, serveTar } from './gateway-formats.js'
import { type GatewayHostConfig, gatewayHostConfig, routeHost } from './gateway-host.js'
import { ipnsToIpfs } from './gateway-ipns.js'
import { directoryListing } from './gateway-listing.js'
import { IMMUTABLE, notModified, serveTrustless } from './gateway-trustless.js'
import type { HealthSupervisor } from './health.js'
import { ERROR_CODE_HEADER, sendBytes } from './http-util.js'
import type { DaemonMetrics } from './metrics.js'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.json': 'application/json',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.wasm': 'application/wasm',
  '.mp4': 'video/mp4',
  '.car': 'application/vnd.ipld.car',
}

export interface GatewayOptions {
  metrics?: DaemonMetrics
  health?: HealthSupervisor
  /** Where to drop the caches once requests stop coming (the daemon's IdleCollector): an idle gateway keeps none. */
  idle?: { onIdle(release: () => void): void }
}

/**
 * A read-only gateway: `GET /ipfs/<cid>[/path]` and `/ipns/<name>[/path]` (IPNS keys and DNSLink domains) serve
 * files (with Range, ETag and immutable caching) and directory listings (or the directory's index.html); trustless
 * responses (`?format=raw|car` or the matching `Accept`), `tar`, `dag-json`, `dag-cbor`, `json` and `cbor`; the
 * subdomain gateway (`<cid>.ipfs.localhost`) and DNSLink websites by `Host`. Config: `Gateway.PublicGateways`,
 * `Gateway.NoDNSLink`, `DNS.Resolvers` (read once, when the handler is made).
 */
export function gatewayHandler(node: NodeApi, options: GatewayOptions = {}): RequestListener {
  const ctx: Context = {
    node,
    options,
    caches: { cids: new CidCache(), stats: new StatCache(node), bodies: new BodyCache() },
    hosts: gatewayHostConfig(node.config),
    dnslink: dnslinkResolver(node.config),
  }
  options.idle?.onIdle(() => {
    ctx.caches.cids.clear()
    ctx.caches.stats.clear()
    ctx.caches.bodies.clear()
  })
  return (req, res) => {
    const done = options.metrics?.startRequest('gateway', 'ipfs')
    res.once('close', () => done?.(res.statusCode))
    void serve(ctx, req, res).catch((err) => sendGatewayError(res, err))
  }
}

interface Context {
  node: NodeApi
  options: GatewayOptions
  caches: Caches
  hosts: GatewayHostConfig
  dnslink: DnslinkResolver
}

type Stat = Awaited<ReturnType<NodeApi['stat']>>

/**
 * What `<cid>/<path>` resolves to never changes (content addressing), so resolutions are kept, the most recently
 * used first, up to `MAX_BYTES` in all (paths are the client's and can be long; each entry is counted as its path
 * and CID plus `ENTRY_OVERHEAD`): a repeated request skips walking the DAG before it streams the file.
 */
class StatCache {
  readonly #node: NodeApi
  static readonly MAX_BYTES = 4 * 1024 * 1024
  static readonly ENTRY_OVERHEAD = 160
  readonly #lru = new ByteLru<Stat>(
    StatCache.MAX_BYTES,
    (path, stat) => 2 * path.length + 2 * String(stat.cid).length + StatCache.ENTRY_OVERHEAD,
  )

  constructor(node: NodeApi) {
    this.#node = node
  }

  async stat(path: string): Promise<Stat> {
    const hit = this.#lru.get(path)
    if (hit != null) return hit
    const stat = await this.#node.stat(path)
    this.#lru.set(path, stat)
    return stat
  }

  clear(): void {
    this.#lru.clear()
  }
}

/**
 * The CIDs of recent requests as parsed and as the gateway writes them (base32, or base58 for v0), by the text of
 * the request: parsing and formatting a CID on every request was the largest single cost of serving a small hot file
 * (1 KiB, autocannon: 25.3k req/s without this cache, 31.4k with it). A text that is not a CID is not kept (its
 * request fails each time, as before).
 */
class CidCache {
  static readonly MAX_BYTES = 1024 * 1024
  /** The CID object, its bytes and the map entry, counted on top of the two strings (2 bytes per character). */
  static readonly ENTRY_OVERHEAD = 288
  readonly #lru = new ByteLru<{ root: CID; cid: string }>(
    CidCache.MAX_BYTES,
    (text, { cid }) => 2 * (text.length + cid.length) + CidCache.ENTRY_OVERHEAD,
  )

  parse(text: string): { root: CID; cid: string } {
    const hit = this.#lru.get(text)
    if (hit !== undefined) return hit
    const root = parseCid(text)
    const parsed = { root, cid: formatCid(root) }
    this.#lru.set(text, parsed)
    return parsed
  }

  clear(): void {
    this.#lru.clear()
  }
}

/**
 * The bytes of hot small files, by CID, the most recently used first, up to `MAX_BYTES` in all: a hit is answered
 * from memory with one write, as a static file server would, instead of resolving the DAG and reading its blocks
 * from the repo (a blockstore `has` and an open/read/close per block) on every request. Files up to `MAX_FILE`
 * bytes are kept; bigger ones stream from the repo. The bytes are the file's, read through the node (hash-checked
 * when they came from a peer); what a CID names never changes, so an entry is never stale.
 */
class BodyCache {
  static readonly MAX_BYTES = 64 * 1024 * 1024
  static readonly MAX_FILE = 1024 * 1024
  readonly #lru = new ByteLru<Uint8Array>(BodyCache.MAX_BYTES, (cid, body) => body.byteLength + 2 * cid.length + 64)

  get(cid: string): Uint8Array | undefined {
    return this.#lru.get(cid)
  }

  clear(): void {
    this.#lru.clear()
  }

  /** Reads a whole file (of `size` bytes, at most `MAX_FILE`) through the node and keeps it. */
  async load(node: NodeApi, cid: string, size: number): Promise<Uint8Array> {
    const body = new Uint8Array(size)
    let at = 0
    for await (const chunk of node.cat(cid)) {
      if (at + chunk.byteLength > size) throw new Error(`${cid} is longer than its stat said (${size} bytes)`)
      body.set(chunk, at)
      at += chunk.byteLength
    }
    if (at !== size) throw new Error(`${cid} is shorter than its stat said (${at} of ${size} bytes)`)
    this.#lru.set(cid, body)
    return body
  }
}

interface Caches {
  cids: CidCache
  stats: StatCache
  bodies: BodyCache
}

async function serve({ node, options, caches, hosts, dnslink }: Context, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://localhost')
  if (req.method !== 'GET' && req.method !== 'HEAD')
    throw methodNotAllowed(req.method ?? '?', 'the gateway is read-only (GET and HEAD)')
  if (url.pathname === '/health' && options.health != null) {
    const report = await options.health.report()
    res.writeHead(report.healthy ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify(report))
    return
  }
  const format = responseFormat(url, req)
  const route = routeHost(hosts, req.headers.host, url, format === 'raw' || format === 'car')
  if (route.kind === 'redirect') {
    res.writeHead(301, { Location: route.location }).end()
    return
  }
  const contentPath = route.kind === 'content' ? route.path : url.pathname
  const ipfsPath = (await ipnsToIpfs(node, contentPath, (k, v) => res.setHeader(k, v), dnslink)) ?? contentPath
  const m = /^\/ipfs\/([^/]+)(\/.*)?$/.exec(ipfsPath)
  if (m == null) throw new GatewayNotFoundError()
  let rest: string
  try {
    rest = decodeURIComponent(m[2] ?? '')
  } catch {
    throw badArgument('malformed percent-encoding in the path')
  }
  const segments = rest.split('/').filter((s) => s !== '')
  if (segments.some((s) => s === '..' || s === '.')) throw badArgument('"." and ".." are not allowed in paths')
  const { root, cid } = caches.cids.parse(m[1] ?? '')
  const path = `${cid}${rest.replace(/\/+$/, '')}`
  res.setHeader('X-Ipfs-Path', `/ipfs/${path}`)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  if (/\bonly-if-cached\b/.test(String(req.headers['cache-control'] ?? '')) && root.multihash.code !== 0) {
    if (!(await node.block.has(root))) throw new NotCachedError(cid)
  }
  if (format === 'raw' || format === 'car') {
    await serveTrustless(node, req, res, { root, segments, format, url })
    return
  }
  const codecFormat = format ?? (segments.length === 0 ? FORMAT_OF_CODEC.get(root.code) : undefined)
  if (codecFormat != null && codecFormat !== 'tar') {
    await serveCodec(node, req, res, root, segments, codecFormat)
    return
  }
  const stat = await caches.stats.stat(path)
  if (format === 'tar') {
    await serveTar(node, req, res, path, stat.cid)
    return
  }
  if (stat.type === 'directory') {
    if (!url.pathname.endsWith('/')) {
      res.writeHead(301, { Location: `${url.pathname}/${url.search}` }).end()
      return
    }
    const entries: ListEntry[] = []
    for await (const entry of node.ls(path)) entries.push(entry)
    const index = entries.find((e) => e.name === 'index.html' && e.type !== 'directory')
    if (index != null) {
      await serveFile(node, caches.bodies, req, res, `${path}/index.html`, index.cid, Number(index.size))
      return
    }
    if (notModified(req, res, `"DirIndex-${stat.cid}"`)) return
    const html = directoryListing(`/ipfs/${path}`, entries)
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) })
    res.end(req.method === 'HEAD' ? undefined : html)
    return
  }
  await serveFile(node, caches.bodies, req, res, path, stat.cid, Number(stat.size))
}

async function serveFile(
  node: NodeApi,
  bodies: BodyCache,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  cid: string,
  size: number,
): Promise<void> {
  if (notModified(req, res, `"${cid}"`)) return
  res.setHeader('Accept-Ranges', 'bytes')
  if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', IMMUTABLE)
  const range = parseRange(req.headers.range, size)
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end()
    return
  }
  const [start, end] = range ?? [0, size - 1]
  const length = size === 0 ? 0 : end - start + 1
  const headers: Record<string, string | number> = {
    'Content-Length': length,
    'Content-Type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
  }
  if (range != null) headers['Content-Range'] = `bytes ${start}-${end}/${size}`
  const status = range != null ? 206 : 200
  if (req.method === 'HEAD' || length === 0) {
    res.writeHead(status, headers).end()
    return
  }
  if (size <= BodyCache.MAX_FILE) {
    const body = bodies.get(cid) ?? (await bodies.load(node, cid, size))
    res.writeHead(status, headers).end(start === 0 && length === size ? body : body.subarray(start, start + length))
    return
  }
  await sendBytes(res, node.cat(cid, { offset: start, length }), headers, status)
}

/** One `bytes=a-b` range (also `a-` and `-n`); multiple ranges are served whole (allowed by RFC 9110). */
export function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  if (header == null) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (m == null) return undefined
  const [a, b] = [m[1] ?? '', m[2] ?? '']
  if (a === '' && b === '') return undefined
  let start: number
  let end: number
  if (a === '') {
    const suffix = Number(b)
    if (suffix === 0) return 'unsatisfiable'
    start = Math.max(0, size - suffix)
    end = size - 1
  } else {
    start = Number(a)
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1)
  }
  if (start >= size || start > end) return 'unsatisfiable'
  return [start, end]
}

function sendGatewayError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const { status, code, text } = errorResponseText(err)
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', [ERROR_CODE_HEADER]: code }).end(`${text}\n`)
}
