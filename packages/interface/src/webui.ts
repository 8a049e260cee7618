/**
 * The web UI at `/webui` on the API port (same origin as the RPC API, so its origin rules hold). The files come from
 * `@ipfrs/webui`, loaded on the first request and read from disk per request: a daemon nobody browses holds none of it.
 */
import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { methodNotAllowed, WebuiNotFoundError } from './errors.js'
import { sendJson } from './http-util.js'

/** What the page needs from the daemon that the RPC API does not tell it. */
export interface WebuiEnv {
  /** The gateway's base URL, for "open in gateway" links. */
  gatewayUrl: () => string
}

/** Locks the page to its own files and the API: no inline script, no other origin, no framing. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

let files: Promise<{ webuiRoot: string; WEBUI_FILES: Readonly<Record<string, string>> }> | undefined

/** Serves `GET /webui`, `/webui/` and `/webui/<file>`; true when the path was the web UI's. */
export async function serveWebui(
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  env: WebuiEnv,
): Promise<boolean> {
  if (path !== '/webui' && !path.startsWith('/webui/')) return false
  if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req.method ?? '?', 'the web UI takes GET')
  if (path === '/webui') {
    const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : ''
    res.writeHead(308, { Location: `/webui/${query}` }).end()
    return true
  }
  const name = path.slice('/webui/'.length) || 'index.html'
  if (name === 'env.json') {
    sendJson(res, { Gateway: env.gatewayUrl() })
    return true
  }
  files ??= import('@ipfrs/webui')
  const { webuiRoot, WEBUI_FILES } = await files
  const type = Object.hasOwn(WEBUI_FILES, name) ? WEBUI_FILES[name] : undefined
  if (type == null) throw new WebuiNotFoundError(path)
  const body = await readFile(`${webuiRoot}${name}`)
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': body.byteLength,
    'Cache-Control': name === 'index.html' ? 'no-cache' : 'max-age=300',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
  })
  res.end(req.method === 'HEAD' ? undefined : body)
  return true
}
