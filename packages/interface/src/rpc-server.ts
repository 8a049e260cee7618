import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { isIP } from 'node:net'
import type { NodeConfig } from '@ipfrs/core'
import type { LocalNodeApi } from '@ipfrs/node-api'
import {
  bodyTooLarge,
  forbiddenOrigin,
  methodNotAllowed,
  notAllowedPath,
  unauthorized,
  unknownCommand,
} from './errors.js'
import type { HealthSupervisor } from './health.js'
import { clientSignal, sendError, sendJson } from './http-util.js'
import type { DaemonMetrics } from './metrics.js'
import { Params } from './params.js'
import { BLOCK_COMMANDS } from './rpc-blocks.js'
import { BOOTSTRAP_COMMANDS } from './rpc-bootstrap.js'
import { CONFIG_COMMANDS } from './rpc-config.js'
import type { RpcCommand } from './rpc-context.js'
import { FILE_COMMANDS } from './rpc-files.js'
import { KEY_COMMANDS } from './rpc-keys.js'
import { LOGIC_COMMANDS } from './rpc-logic.js'
import { MFS_COMMANDS } from './rpc-mfs.js'
import { NAME_COMMANDS } from './rpc-name.js'
import { NETWORK_COMMANDS } from './rpc-network.js'
import { PIN_COMMANDS } from './rpc-pins.js'
import { PUBSUB_COMMANDS } from './rpc-pubsub.js'
import { REFS_COMMANDS } from './rpc-refs.js'
import { SEMANTIC_COMMANDS } from './rpc-semantic.js'
import { STATS_COMMANDS } from './rpc-stats.js'
import { TENSOR_COMMANDS } from './rpc-tensor.js'
import { serveWebui, type WebuiEnv } from './webui.js'

/** Every `/api/v0/<name>` command this API answers: Kubo's, then the feature layers' (`tensor/*`, `logic/*`, `semantic/*`). */
export const RPC_COMMANDS: Readonly<Record<string, RpcCommand>> = {
  ...FILE_COMMANDS,
  ...BLOCK_COMMANDS,
  ...PIN_COMMANDS,
  ...NETWORK_COMMANDS,
  ...MFS_COMMANDS,
  ...KEY_COMMANDS,
  ...NAME_COMMANDS,
  ...PUBSUB_COMMANDS,
  ...CONFIG_COMMANDS,
  ...TENSOR_COMMANDS,
  ...LOGIC_COMMANDS,
  ...SEMANTIC_COMMANDS,
  ...STATS_COMMANDS,
  ...REFS_COMMANDS,
  ...BOOTSTRAP_COMMANDS,
}

/** Commands whose request body is an upload that streams into the node (not bound by MaxRequestBodyBytes). */
const UPLOADS = new Set(['add', 'dag/import', 'block/put', 'files/write'])

export interface RpcHandlerOptions {
  api: NodeConfig['API']
  metrics?: DaemonMetrics
  health?: HealthSupervisor
  /** Extra commands, merged over the built-in ones. */
  commands?: Record<string, RpcCommand>
  /** Serve the web UI at /webui (GET, no token needed to load the page; its API calls carry one). */
  webui?: WebuiEnv
}

/**
 * The RPC API as a node:http request listener: `POST /api/v0/<command>?arg=…`, Kubo's error body and status codes,
 * cross-origin browser requests refused (403), optional bearer tokens (401), GET only for /health, the metrics and
 * the web UI's files.
 */
export function rpcHandler(node: LocalNodeApi, options: RpcHandlerOptions): RequestListener {
  const commands = { ...RPC_COMMANDS, ...options.commands }
  return (req, res) => {
    void handle(node, options, commands, req, res)
  }
}

async function handle(
  node: LocalNodeApi,
  options: RpcHandlerOptions,
  commands: Record<string, RpcCommand>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost')
  const name = url.pathname.replace(/^\/api\/v0\/?/, '').replace(/\/+$/, '')
  const done = options.metrics?.startRequest('api', commands[name] != null ? name : 'other')
  res.once('close', () => done?.(res.statusCode))
  try {
    checkOrigin(req, options.api.AllowedOrigins)
    if (await serveOperational(url.pathname, req, res, options)) return
    if (options.webui != null && (await serveWebui(url.pathname, req, res, options.webui))) return
    if (!url.pathname.startsWith('/api/v0/')) throw unknownCommand(url.pathname)
    if (req.method === 'OPTIONS') {
      // a browser's CORS preflight never carries the Authorization header; the real request that follows does
      res.writeHead(204, corsHeaders(req, options.api.AllowedOrigins)).end()
      return
    }
    checkAuth(req, url.pathname, options.api.Authorizations)
    if (req.method !== 'POST') throw methodNotAllowed(req.method ?? '?')
    const command = commands[name]
    if (command == null) throw unknownCommand(url.pathname)
    const length = Number(req.headers['content-length'] ?? 0)
    if (!UPLOADS.has(name) && length > options.api.MaxRequestBodyBytes)
      throw bodyTooLarge(options.api.MaxRequestBodyBytes)
    for (const [k, v] of Object.entries(corsHeaders(req, options.api.AllowedOrigins))) res.setHeader(k, v)
    await command({
      node,
      req,
      res,
      params: new Params(url.searchParams),
      signal: clientSignal(req, res),
      maxBodyBytes: options.api.MaxRequestBodyBytes,
      countDhtQuery: (kind) => options.metrics?.countDhtQuery(kind),
      bandwidth: options.metrics?.bandwidth,
    })
  } catch (err) {
    if (!req.complete) req.resume() // drain what the client still sends, so it reads our answer
    sendError(res, err)
  }
}

/** GET /health, /metrics and /debug/metrics/prometheus; true when the request was one of them. */
async function serveOperational(
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  options: RpcHandlerOptions,
): Promise<boolean> {
  if (path === '/health' && options.health != null) {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req.method ?? '?')
    const report = await options.health.report()
    sendJson(res, report, report.healthy ? 200 : 503)
    return true
  }
  if ((path === '/metrics' || path === '/debug/metrics/prometheus') && options.metrics != null) {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req.method ?? '?')
    const text = await options.metrics.text()
    res.writeHead(200, { 'Content-Type': options.metrics.registry.contentType }).end(text)
    return true
  }
  return false
}

/**
 * Browsers send Origin (and Referer) on cross-origin requests; only configured origins and the API's own origin
 * pass. Non-browser clients send neither and are not affected.
 */
function checkOrigin(req: IncomingMessage, allowed: string[]): void {
  const origin = req.headers.origin
  const referer = req.headers.referer
  // the API's own origin passes only when addressed by IP or localhost: a DNS-rebound name (evil.example resolving
  // to 127.0.0.1) would otherwise make an attacker's page "same-origin" with the API
  const host = req.headers.host ?? ''
  const own = isIP(host.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1')) !== 0 || /^localhost(:\d+)?$/i.test(host)
  const ok = (o: string) => (own && o === `http://${host}`) || allowed.includes(o)
  if (origin != null && origin !== '' && !ok(origin)) throw forbiddenOrigin(origin)
  if (origin == null && referer != null && referer !== '') {
    let refOrigin: string
    try {
      refOrigin = new URL(referer).origin
    } catch {
      throw forbiddenOrigin(referer)
    }
    if (!ok(refOrigin)) throw forbiddenOrigin(refOrigin)
  }
}

function corsHeaders(req: IncomingMessage, allowed: string[]): Record<string, string> {
  const origin = req.headers.origin
  if (origin == null || !allowed.includes(origin)) return {}
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'POST',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type',
    Vary: 'Origin',
  }
}

/** With `API.Authorizations` configured, every call needs a matching `Authorization: Bearer <token>` header. */
function checkAuth(req: IncomingMessage, path: string, auths: NodeConfig['API']['Authorizations']): void {
  const entries = Object.values(auths)
  if (entries.length === 0) return
  const header = req.headers.authorization ?? ''
  const m = /^Bearer\s+(\S+)$/i.exec(header)
  if (m == null) throw unauthorized()
  const given = Buffer.from(m[1] ?? '')
  const match = entries.find((a) => {
    const secret = Buffer.from(a.AuthSecret.replace(/^bearer:/, ''))
    return secret.byteLength === given.byteLength && timingSafeEqual(secret, given)
  })
  if (match == null) throw unauthorized()
  if (!match.AllowedPaths.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`)))
    throw notAllowedPath(path)
}
