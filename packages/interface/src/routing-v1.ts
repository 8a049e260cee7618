import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { formatCid, parseCid } from '@ipfrs/core'
import { IpfrsError } from '@ipfrs/core/errors'
import type { LocalNodeApi } from '@ipfrs/node-api'
import { base58btc } from 'multiformats/bases/base58'
import * as Digest from 'multiformats/hashes/digest'
import { badArgument, methodNotAllowed } from './errors.js'
import { clientSignal, sendError, stringify, write } from './http-util.js'
import type { DaemonMetrics } from './metrics.js'
import { readLimited } from './rpc-upload.js'

/** The spec's path prefix (specs.ipfs.tech/routing/http-routing-v1). */
export const ROUTING_V1_PREFIX = '/routing/v1/'

const NDJSON = 'application/x-ndjson'
const IPNS_RECORD = 'application/vnd.ipfs.ipns-record'
/** An IPNS record is at most 10 KiB (the IPNS spec's limit). */
const MAX_RECORD_BYTES = 10 * 1024
/** At most this many providers per answer, and the DHT walk stops after this long (Kubo answers within seconds). */
const MAX_PROVIDERS = 100
const LOOKUP_MS = 30_000
/** Kubo's caching: a found answer may be reused for 5 min (stale for up to 48 h while revalidating), none for 15 s. */
const CACHE_FOUND = 'public, max-age=300, stale-while-revalidate=172800, stale-if-error=172800'
const CACHE_NONE = 'public, max-age=15, stale-while-revalidate=172800, stale-if-error=172800'

/** A lookup that found nothing: 404, as Kubo answers it. */
export class RoutingNotFoundError extends IpfrsError {
  static override readonly httpStatus = 404
  static readonly code = 'ERR_ROUTING_NOT_FOUND'
  constructor(what: string) {
    super(RoutingNotFoundError.code, `no records found for ${what}`)
  }
}

/** One peer record in the spec's `peer` schema. */
interface PeerRecord {
  Schema: 'peer'
  ID: string
  Addrs: string[]
}

/** Whether a gateway-port request is for the Delegated Routing V1 API rather than the gateway. */
export function isRoutingRequest(req: IncomingMessage): boolean {
  return req.url?.startsWith(ROUTING_V1_PREFIX) === true
}

/**
 * The Delegated Routing V1 HTTP API as Kubo serves it on its gateway port: `GET /routing/v1/providers/{cid}`,
 * `GET /routing/v1/peers/{peer-id}` and `GET|PUT /routing/v1/ipns/{name}`, answered from the node's DHTs. Providers
 * and peers come as JSON (`{"Providers": [...]}`, `{"Peers": [...]}`) or, with `Accept: application/x-ndjson`, one
 * record per line as they are found; IPNS records as `application/vnd.ipfs.ipns-record`. Nothing found is 404; a bad
 * CID, peer ID or name is 400 with its error code (`X-Ipfrs-Error-Code`).
 */
export function routingHandler(node: LocalNodeApi, options: { metrics?: DaemonMetrics } = {}): RequestListener {
  return (req, res) => {
    const done = options.metrics?.startRequest('gateway', 'routing')
    res.once('close', () => done?.(res.statusCode))
    void route(node, req, res).catch((err) => sendError(res, err))
  }
}

async function route(node: LocalNodeApi, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost')
  const [kind = '', arg = '', ...extra] = url.pathname.slice(ROUTING_V1_PREFIX.length).split('/')
  if (extra.length > 0 || arg === '' || !['providers', 'peers', 'ipns'].includes(kind))
    throw new RoutingNotFoundError(`${url.pathname} (served: /routing/v1/providers|peers|ipns/{id})`)
  const method = req.method ?? 'GET'
  const readOnly = method === 'GET' || method === 'HEAD'
  if (kind === 'ipns' && method === 'PUT') return putIpns(node, decodeURIComponent(arg), req, res)
  if (!readOnly) throw methodNotAllowed(method, kind === 'ipns' ? 'GET, HEAD or PUT' : 'GET or HEAD')
  res.setHeader('Vary', 'Accept')
  const signal = AbortSignal.any([clientSignal(req, res), AbortSignal.timeout(LOOKUP_MS)])
  const id = decodeURIComponent(arg)
  if (kind === 'ipns') return getIpns(node, id, res, signal)
  const ndjson = (req.headers.accept ?? '').includes(NDJSON)
  const records = kind === 'providers' ? providers(node, id, signal) : peers(node, id, signal)
  const field = kind === 'providers' ? 'Providers' : 'Peers'
  await send(res, records, { ndjson, field, what: `${kind.slice(0, -1)} ${id}` })
}

async function* providers(node: LocalNodeApi, arg: string, signal: AbortSignal): AsyncGenerator<PeerRecord> {
  const cid = parseCid(arg)
  let count = 0
  try {
    for await (const p of node.findProviders(cid, { signal })) {
      yield { Schema: 'peer', ID: p.id.toString(), Addrs: p.multiaddrs.map(withoutPeer) }
      if (++count >= MAX_PROVIDERS) return
    }
  } catch (err) {
    // the lookup's time is up: what was found so far is the answer
    if (!(signal.aborted && count > 0)) throw err
  }
}

async function* peers(node: LocalNodeApi, arg: string, signal: AbortSignal): AsyncGenerator<PeerRecord> {
  const id = peerIdText(arg)
  let addrs: string[]
  try {
    addrs = await node.network.findPeer(id, { signal })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_PEER_NOT_FOUND') return
    throw err
  }
  yield { Schema: 'peer', ID: id, Addrs: [...new Set(addrs.map(withoutPeer))] }
}

/** Writes the records as JSON or ndjson; nothing found is 404 (the first record is awaited before the status). */
async function send(
  res: ServerResponse,
  records: AsyncGenerator<PeerRecord>,
  how: { ndjson: boolean; field: string; what: string },
): Promise<void> {
  const first = await records.next()
  if (first.done === true) {
    res.setHeader('Cache-Control', CACHE_NONE)
    throw new RoutingNotFoundError(how.what)
  }
  res.setHeader('Cache-Control', CACHE_FOUND)
  if (!how.ndjson) {
    const all = [first.value]
    for await (const r of records) all.push(r)
    const body = `${stringify({ [how.field]: all })}\n`
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body)
    return
  }
  res.writeHead(200, { 'Content-Type': NDJSON })
  await write(res, `${stringify(first.value)}\n`)
  for await (const r of records) await write(res, `${stringify(r)}\n`)
  res.end()
}

async function getIpns(node: LocalNodeApi, name: string, res: ServerResponse, signal: AbortSignal): Promise<void> {
  let record: Uint8Array
  try {
    record = await node.name.getRecord(name, { signal })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_IPNS_NOT_FOUND') res.setHeader('Cache-Control', CACHE_NONE)
    throw err
  }
  res.writeHead(200, {
    'Content-Type': IPNS_RECORD,
    'Content-Length': record.byteLength,
    'Cache-Control': CACHE_FOUND,
  })
  res.end(record)
}

/** `PUT /routing/v1/ipns/{name}`: a signed record, checked (signature, expiry, name) and put into the DHTs. */
async function putIpns(node: LocalNodeApi, name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const type = req.headers['content-type'] ?? ''
  if (!type.includes(IPNS_RECORD)) throw badArgument(`the body must be an ${IPNS_RECORD}, got "${type}"`)
  const record = await readLimited(req, MAX_RECORD_BYTES)
  // stored locally even with no DHT peer yet (it is served from here and republished by whoever owns the key)
  await node.name.putRecord(name, record, { signal: clientSignal(req, res), allowOffline: true })
  res.writeHead(200).end()
}

/** A peer ID in its usual text form (`12D3…`, `Qm…`) from that or a libp2p-key CID (`k51…`, `bafz…`). */
function peerIdText(arg: string): string {
  if (arg.startsWith('1') || arg.startsWith('Q')) {
    try {
      Digest.decode(base58btc.decode(`z${arg}`))
      return arg
    } catch {
      throw badArgument(`invalid peer ID "${arg.slice(0, 100)}"`)
    }
  }
  const cid = parseCid(arg)
  if (cid.code !== 0x72) throw badArgument(`${formatCid(cid)} is not a peer ID (a libp2p-key CID, codec 0x72)`)
  return base58btc.encode(cid.multihash.bytes).slice(1)
}

/** Addresses are given without the `/p2p/<id>` suffix (the record's ID says whose they are). */
function withoutPeer(address: string): string {
  return address.replace(/\/p2p\/[^/]+$/, '')
}
