/**
 * Trustless responses (specs.ipfs.tech/http-gateways/trustless-gateway): `?format=raw` / `application/vnd.ipld.raw`
 * (one block) and `?format=car` / `application/vnd.ipld.car` (a CARv1 rooted at the path's first CID carrying the
 * blocks along the path and the target's per `dag-scope` and `entity-bytes`, `order=dfs`, `dups=n|y`).
 */
import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { CID } from '@ipfrs/core'
import type { NodeApi } from '@ipfrs/node-api'
import { badArgument } from './errors.js'
import {
  type CarSelection,
  carBlocks,
  carStream,
  type DagScope,
  type EntityBytes,
  type GetBlock,
  resolvePath,
  withIdentity,
} from './gateway-car.js'
import { NotAcceptableError } from './gateway-errors.js'
import { sendBytes } from './http-util.js'

export const IMMUTABLE = 'public, max-age=29030400, immutable'

/** One media range of an `Accept` header with its parameters (`application/vnd.ipld.car; dups=y`). */
export function acceptParams(req: IncomingMessage, mediaType: string): Record<string, string> | undefined {
  for (const range of (req.headers.accept ?? '').split(',')) {
    const [type, ...params] = range.split(';').map((s) => s.trim())
    if (type?.toLowerCase() !== mediaType) continue
    const out: Record<string, string> = {}
    for (const p of params) {
      const eq = p.indexOf('=')
      if (eq > 0)
        out[p.slice(0, eq).trim().toLowerCase()] = p
          .slice(eq + 1)
          .trim()
          .replace(/^"|"$/g, '')
    }
    return out
  }
  return undefined
}

/** The CAR parameters of a request: query (`dag-scope`, `entity-bytes`, `car-dups`, …) and the Accept's. */
export function carSelection(url: URL, req: IncomingMessage): CarSelection {
  const accept = acceptParams(req, 'application/vnd.ipld.car') ?? {}
  const q = url.searchParams
  const version = q.get('car-version') ?? accept.version ?? '1'
  if (version !== '1') throw new NotAcceptableError(`CAR version ${version} is not served (version=1 only)`)
  const order = q.get('car-order') ?? accept.order ?? 'dfs'
  if (order !== 'dfs' && order !== 'unk') throw badArgument(`unsupported CAR order "${order}" (dfs or unk)`)
  const dups = q.get('car-dups') ?? accept.dups ?? 'n'
  if (dups !== 'y' && dups !== 'n') throw badArgument(`unsupported CAR dups "${dups}" (y or n)`)
  const scopeParam = q.get('dag-scope')
  const bytesParam = q.get('entity-bytes')
  let scope: DagScope = bytesParam != null ? 'entity' : 'all'
  if (scopeParam != null) {
    if (scopeParam !== 'block' && scopeParam !== 'entity' && scopeParam !== 'all')
      throw badArgument(`unsupported dag-scope "${scopeParam}" (block, entity or all)`)
    scope = scopeParam
  }
  const bytes = bytesParam == null ? undefined : parseEntityBytes(bytesParam)
  return { scope, dups: dups === 'y', ...(scope === 'entity' && bytes != null ? { bytes } : {}) }
}

function parseEntityBytes(value: string): EntityBytes {
  const m = /^(-?\d{1,15}):(-?\d{1,15}|\*)$/.exec(value)
  if (m == null) throw badArgument(`invalid entity-bytes "${value.slice(0, 60)}" (from:to, e.g. 0:1023 or -100:*)`)
  const from = Number(m[1])
  const to = m[2] === '*' ? undefined : Number(m[2])
  if (to != null && from >= 0 && to >= 0 && from > to)
    throw badArgument(`invalid entity-bytes "${value}": from is after to`)
  return { from, to }
}

export interface TrustlessRequest {
  root: CID
  segments: string[]
  format: 'raw' | 'car'
  url: URL
}

/** Serves a raw block or a CAR for `/ipfs/<root>/<segments>`. */
export async function serveTrustless(
  node: NodeApi,
  req: IncomingMessage,
  res: ServerResponse,
  { root, segments, format, url }: TrustlessRequest,
): Promise<void> {
  const abort = new AbortController()
  res.once('close', () => abort.abort())
  const signal = abort.signal
  const get: GetBlock = withIdentity((cid, s) => node.block.get(cid, { signal: s }))
  if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', IMMUTABLE)
  if (format === 'raw') {
    const resolved = segments.length === 0 ? undefined : await resolvePath(get, root, segments, signal)
    const cid = resolved?.target ?? root
    if (notModified(req, res, `"${cid}.raw"`)) return
    const bytes = resolved?.blocks.at(-1)?.bytes ?? (await get(cid, signal))
    res.setHeader('Content-Disposition', `attachment; filename="${cid}.bin"`)
    res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.raw', 'Content-Length': bytes.byteLength })
    res.end(req.method === 'HEAD' ? undefined : bytes)
    return
  }
  const selection = carSelection(url, req)
  const key = `${segments.join('/')}|${selection.scope}|${selection.bytes?.from}:${selection.bytes?.to}|${selection.dups}`
  const etag = `W/"${root}.car.${createHash('sha256').update(key).digest('hex').slice(0, 16)}"`
  if (notModified(req, res, etag)) return
  const contentType = `application/vnd.ipld.car; version=1; order=dfs; dups=${selection.dups ? 'y' : 'n'}`
  res.setHeader('Content-Disposition', `attachment; filename="${root}.car"`)
  res.setHeader('Accept-Ranges', 'none')
  const path = await resolvePath(get, root, segments, signal) // a HEAD of a path that does not resolve is 404 too
  if (req.method === 'HEAD') {
    res.writeHead(200, { 'Content-Type': contentType }).end()
    return
  }
  await sendBytes(res, carStream(root, carBlocks(get, path, selection, signal)), { 'Content-Type': contentType })
}

/** Sets the ETag; answers 304 (and returns true) when `If-None-Match` matches it. */
export function notModified(req: IncomingMessage, res: ServerResponse, etag: string): boolean {
  res.setHeader('ETag', etag)
  const given = req.headers['if-none-match']
  if (given == null) return false
  const bare = etag.replace(/^W\//, '')
  if (!given.split(',').some((t) => [etag, bare, `W/${bare}`, '*'].includes(t.trim()))) return false
  res.writeHead(304).end()
  return true
}
