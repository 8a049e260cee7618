import type { PubsubMessage } from '@ipfrs/node-api'
import { badArgument } from './errors.js'
import { sendJson, write } from './http-util.js'
import type { RpcCommand } from './rpc-context.js'
import { firstFile } from './rpc-upload.js'

/** GossipSub's default largest message. */
const MAX_MESSAGE_BYTES = 1024 * 1024

/**
 * Kubo's wire format for topics and message fields: multibase base64url, the `u` prefix included (so any bytes,
 * including `/` and `?`, survive a query string). Anything else is a 400 naming the argument.
 */
export function decodeTopic(arg: string | undefined): string {
  if (arg == null || arg === '') throw badArgument('missing topic (pass it as ?arg=u<base64url>)')
  if (!arg.startsWith('u') || !/^u[A-Za-z0-9_-]*$/.test(arg))
    throw badArgument(`topic must be multibase base64url ("u" + base64url), got "${arg.slice(0, 100)}"`)
  return Buffer.from(arg.slice(1), 'base64url').toString('utf8')
}

function encode(bytes: Uint8Array | string): string {
  return `u${Buffer.from(bytes).toString('base64url')}`
}

function seqnoBytes(seqno: bigint): Uint8Array {
  const bytes = Buffer.alloc(8)
  bytes.writeBigUInt64BE(BigInt.asUintN(64, seqno))
  return bytes
}

/** Kubo's message JSON: `{from, data, seqno, topicIDs}`, bytes multibase-encoded. */
function messageJson(m: PubsubMessage): Record<string, unknown> {
  return {
    from: m.from,
    data: encode(m.data),
    ...(m.seqno === undefined ? {} : { seqno: encode(seqnoBytes(m.seqno)) }),
    topicIDs: [encode(m.topic)],
  }
}

/** `pubsub/sub?arg=u<topic>`: one JSON line per message, until the client disconnects. */
const sub: RpcCommand = async ({ params, node, res, signal }) => {
  const topic = decodeTopic(params.string('arg'))
  const pubsub = node.pubsub
  res.writeHead(200, { 'Content-Type': 'application/json', 'X-Chunked-Output': '1' })
  res.flushHeaders()
  let pending = Promise.resolve()
  const unsubscribe = pubsub.subscribe(topic, (m) => {
    pending = pending.then(() => write(res, `${JSON.stringify(messageJson(m))}\n`)).catch(() => undefined)
  })
  try {
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve()
      signal.addEventListener('abort', () => resolve(), { once: true })
    })
  } finally {
    unsubscribe()
    res.end()
  }
}

/** `pubsub/pub?arg=u<topic>`, the data as the first multipart file. */
const pub: RpcCommand = async ({ params, node, req, res, signal }) => {
  const topic = decodeTopic(params.string('arg'))
  const pubsub = node.pubsub
  const data = await firstFile(req, { signal, maxBytes: MAX_MESSAGE_BYTES, what: 'message data' })
  await pubsub.publish(topic, data)
  res.writeHead(200).end()
}

/** `pubsub/ls`: `{Strings: [u<topic>…]}`. */
const ls: RpcCommand = async ({ node, res }) => {
  sendJson(res, { Strings: node.pubsub.topics().map((t) => encode(t)) })
}

/** `pubsub/peers[?arg=u<topic>]`: `{Strings: [peer ID…]}`. */
const peers: RpcCommand = async ({ params, node, res }) => {
  const arg = params.string('arg')
  sendJson(res, { Strings: node.pubsub.peers(arg == null ? undefined : decodeTopic(arg)) })
}

/** Kubo's `pubsub/*` commands over GossipSub. */
export const PUBSUB_COMMANDS: Record<string, RpcCommand> = {
  'pubsub/sub': sub,
  'pubsub/pub': pub,
  'pubsub/ls': ls,
  'pubsub/peers': peers,
}
