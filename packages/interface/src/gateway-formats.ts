/**
 * The gateway's response formats besides the deserialized default: which one a request asks for (`?format=` wins over
 * `Accept`), and the codec (`dag-json`, `dag-cbor`, `json`, `cbor`) and `tar` responses, as Kubo serves them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { CID } from '@ipfrs/core'
import { getCodec } from '@ipfrs/core'
import type { NodeApi } from '@ipfrs/node-api'
import { badArgument } from './errors.js'
import { type GetBlock, resolvePath, withIdentity } from './gateway-car.js'
import { NotAcceptableError } from './gateway-errors.js'
import { IMMUTABLE, notModified } from './gateway-trustless.js'
import { sendBytes } from './http-util.js'
import { tarStream, unixfsTarEntries } from './tar.js'

export type ResponseFormat = 'raw' | 'car' | 'tar' | 'dag-json' | 'dag-cbor' | 'json' | 'cbor'

/** Each format's media type, as `Accept` names it and the response's `Content-Type` states it. */
export const MEDIA_TYPES: Record<ResponseFormat, string> = {
  raw: 'application/vnd.ipld.raw',
  car: 'application/vnd.ipld.car',
  tar: 'application/x-tar',
  'dag-json': 'application/vnd.ipld.dag-json',
  'dag-cbor': 'application/vnd.ipld.dag-cbor',
  json: 'application/json',
  cbor: 'application/cbor',
}

/** Multicodec codes of the codec formats. */
const CODEC_OF: Partial<Record<ResponseFormat, number>> = {
  'dag-json': 0x0129,
  'dag-cbor': 0x71,
  json: 0x0200,
  cbor: 0x51,
}

/** The codec formats by multicodec code: what a block of that codec is served as when no format is asked. */
export const FORMAT_OF_CODEC = new Map<number, ResponseFormat>(
  Object.entries(CODEC_OF).map(([format, code]) => [code, format as ResponseFormat]),
)

/** `?format=` wins over `Accept`; undefined means a normal (deserialized) response. */
export function responseFormat(url: URL, req: IncomingMessage): ResponseFormat | undefined {
  const format = url.searchParams.get('format')
  if (format != null && format !== '') {
    if (format in MEDIA_TYPES) return format as ResponseFormat
    throw badArgument(`unsupported format "${format.slice(0, 40)}" (${Object.keys(MEDIA_TYPES).join(', ')})`)
  }
  const accept = req.headers.accept
  if (accept == null || !accept.includes('application/')) return undefined
  const types = accept.split(',').map((r) => r.split(';')[0]?.trim().toLowerCase())
  for (const type of types) {
    for (const [f, media] of Object.entries(MEDIA_TYPES)) if (type === media) return f as ResponseFormat
  }
  return undefined
}

/**
 * The target block in a codec format: as stored when the block's codec is the one asked for (or dag-json asked as
 * json, dag-cbor as cbor); transcoded into dag-json or dag-cbor from dag-pb, dag-cbor, dag-json, json or cbor;
 * 406 otherwise (a raw block has no IPLD form to convert, and plain json/cbor cannot carry links).
 */
export async function serveCodec(
  node: NodeApi,
  req: IncomingMessage,
  res: ServerResponse,
  root: CID,
  segments: string[],
  format: ResponseFormat,
): Promise<void> {
  const get: GetBlock = withIdentity((cid, signal) => node.block.get(cid, { signal }))
  const { target, blocks } = await resolvePath(get, root, segments)
  const stored = blocks.at(-1)!.bytes
  const want = CODEC_OF[format]!
  const code = target.code
  let body: Uint8Array
  if (code === want || (format === 'json' && code === 0x0129) || (format === 'cbor' && code === 0x71)) body = stored
  else if ((format === 'dag-json' || format === 'dag-cbor') && DECODERS.has(code)) {
    body = getCodec(want).encode(DECODERS.get(code)!(stored))
  } else {
    throw new NotAcceptableError(`a block of codec 0x${code.toString(16)} cannot be served as ${format}`)
  }
  if (notModified(req, res, `"${target}.${format}"`)) return
  if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', IMMUTABLE)
  res.writeHead(200, { 'Content-Type': MEDIA_TYPES[format], 'Content-Length': body.byteLength })
  res.end(req.method === 'HEAD' ? undefined : body)
}

const DECODERS = new Map<number, (bytes: Uint8Array) => unknown>([
  [0x70, (b) => getCodec(0x70).decode(b)],
  [0x71, (b) => getCodec(0x71).decode(b)],
  [0x0129, (b) => getCodec(0x0129).decode(b)],
  [0x0200, (b) => JSON.parse(new TextDecoder().decode(b))],
  [0x51, (b) => getCodec(0x71).decode(b)],
])

/** A tar archive of the UnixFS file or tree at `path`, named by its last segment (the CID for a bare CID). */
export async function serveTar(
  node: NodeApi,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  cid: string,
): Promise<void> {
  if (notModified(req, res, `W/"${cid}.x-tar"`)) return
  const name = path.split('/').at(-1) ?? cid
  if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', IMMUTABLE)
  const headers = {
    'Content-Type': MEDIA_TYPES.tar,
    'Content-Disposition': `attachment; filename="${name.replace(/["\\\r\n]/g, '_')}.tar"`,
  }
  if (req.method === 'HEAD') {
    res.writeHead(200, headers).end()
    return
  }
  const abort = new AbortController()
  res.once('close', () => abort.abort())
  await sendBytes(res, tarStream(unixfsTarEntries(node, path, name, abort.signal)), headers)
}
