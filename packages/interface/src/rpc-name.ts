import { badArgument } from './errors.js'
import { fromIterable, sendJson, sendNdjson } from './http-util.js'
import type { RpcCommand } from './rpc-context.js'
import { firstFile } from './rpc-upload.js'

/** An IPNS record is at most 10 KiB (the spec's limit). */
const MAX_RECORD_BYTES = 10 * 1024
/** Kubo's routing event type of a value (`routing get`/`put`). */
const VALUE_EVENT = 5

/** `name/publish?arg=<path>&key=&lifetime=&ttl=&allow-offline`: `{Name, Value}`. */
const publish: RpcCommand = async ({ params, node, res, signal }) => {
  const result = await node.name.publish(params.arg('path'), {
    signal,
    key: params.string('key'),
    lifetimeMs: params.duration('lifetime'),
    ttlMs: params.duration('ttl'),
    allowOffline: params.bool('allow-offline', false),
  })
  sendJson(res, { Name: result.name, Value: result.value })
}

/** `name/resolve?arg=<name>&recursive&stream`: `{Path}` (one line with `stream`). */
const resolve: RpcCommand = async ({ params, node, res, signal }) => {
  const arg = params.string('arg') ?? `/ipns/${node.peerId}`
  const path = await node.name.resolve(arg, { signal, recursive: params.bool('recursive', true) })
  if (params.bool('stream', false)) await sendNdjson(res, fromIterable([{ Path: path }]))
  else sendJson(res, { Path: path })
}

/** `routing/put?arg=/ipns/<name>&allow-offline`, the marshalled record as the first multipart file. */
const routingPut: RpcCommand = async ({ params, node, req, res, signal }) => {
  const name = ipnsKey(params.arg('key'))
  const record = await firstFile(req, { signal, maxBytes: MAX_RECORD_BYTES, what: 'record' })
  await node.name.putRecord(name, record, { signal, allowOffline: params.bool('allow-offline', false) })
  await sendNdjson(res, fromIterable([{ ID: '', Type: VALUE_EVENT, Responses: null, Extra: '' }]))
}

/** `routing/get?arg=/ipns/<name>`: one value event whose `Extra` is the record, base64. */
const routingGet: RpcCommand = async ({ params, node, res, signal }) => {
  const record = await node.name.getRecord(ipnsKey(params.arg('key')), { signal })
  const extra = Buffer.from(record).toString('base64')
  await sendNdjson(res, fromIterable([{ ID: '', Type: VALUE_EVENT, Responses: null, Extra: extra }]))
}

/** Only `/ipns/<name>` keys can be put or got (the DHT's only public record namespace besides public keys). */
function ipnsKey(key: string): string {
  const m = /^\/ipns\/([^/]+)$/.exec(key)
  if (m?.[1] == null) throw badArgument(`only /ipns/<name> keys are supported, got "${key.slice(0, 100)}"`)
  return m[1]
}

/** Kubo's `name/*` commands, and `routing/get|put` for IPNS records. */
export const NAME_COMMANDS: Record<string, RpcCommand> = {
  'name/publish': publish,
  'name/resolve': resolve,
  'routing/put': routingPut,
  'routing/get': routingGet,
  'dht/put': routingPut,
  'dht/get': routingGet,
}
