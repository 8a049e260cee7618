import { keyFormat, libp2pKeyToPem, pemToLibp2pKey } from '@ipfrs/core/key-formats'
import { badArgument } from './errors.js'
import { sendBytes, sendJson } from './http-util.js'
import type { RpcCommand } from './rpc-context.js'
import { firstFile } from './rpc-upload.js'

/** A protobuf-encoded private key is a few hundred bytes at most (RSA 4096 about 2.4 KB). */
const MAX_KEY_BYTES = 16 * 1024

/** `key/gen?arg=<name>&type=ed25519`: `{Name, Id}`. Only Ed25519 keys are made. */
const gen: RpcCommand = async ({ params, node, res }) => {
  const type = (params.string('type') ?? 'ed25519').toLowerCase()
  if (type !== 'ed25519') throw badArgument(`key type ${type} is not supported (only ed25519)`)
  const key = await node.keys.gen(params.arg('key name'))
  sendJson(res, { Name: key.name, Id: key.id })
}

/** `key/list`: `{Keys: [{Name, Id}]}`, `self` first. */
const list: RpcCommand = async ({ node, res }) => {
  sendJson(res, { Keys: (await node.keys.list()).map((k) => ({ Name: k.name, Id: k.id })) })
}

/** `key/rm?arg=<name>…`: `{Keys: [{Name, Id}]}` of the removed keys. */
const rm: RpcCommand = async ({ params, node, res }) => {
  const names = params.args()
  if (names.length === 0) throw badArgument('missing key name (pass it as ?arg=)')
  const removed = []
  for (const name of names) removed.push(await node.keys.rm(name))
  sendJson(res, { Keys: removed.map((k) => ({ Name: k.name, Id: k.id })) })
}

/** `key/rename?arg=<old>&arg=<new>&force`: `{Was, Now, Id, Overwrite}`. */
const rename: RpcCommand = async ({ params, node, res }) => {
  const [from, to] = params.args()
  if (from == null || to == null) throw badArgument('key/rename takes two names: ?arg=<old>&arg=<new>')
  const key = await node.keys.rename(from, to, params.bool('force', false))
  sendJson(res, { Was: from, Now: key.name, Id: key.id, Overwrite: key.overwrite })
}

/**
 * `key/export?arg=<name>&format=`: the private key, libp2p protobuf (Kubo's default `libp2p-protobuf-cleartext`) or
 * `pem-pkcs8-cleartext` (Ed25519 keys).
 */
const exportKey: RpcCommand = async ({ params, node, res }) => {
  const format = keyFormat(params.string('format'))
  const raw = await node.keys.export(params.arg('key name'))
  const bytes = format === 'pem-pkcs8-cleartext' ? new TextEncoder().encode(libp2pKeyToPem(raw)) : raw
  await sendBytes(
    res,
    (async function* () {
      yield bytes
    })(),
  )
}

/**
 * `key/import?arg=<name>&format=&force`, the key as the first multipart file: libp2p protobuf (Kubo's default
 * `libp2p-protobuf-cleartext`) or `pem-pkcs8-cleartext` (an Ed25519 PKCS#8 PEM, 400 `ERR_INVALID_PEM_KEY` otherwise);
 * `{Name, Id}`.
 */
const importKey: RpcCommand = async ({ params, node, req, res, signal }) => {
  const name = params.arg('key name')
  const format = keyFormat(params.string('format'))
  const body = await firstFile(req, { signal, maxBytes: MAX_KEY_BYTES, what: 'key' })
  const bytes = format === 'pem-pkcs8-cleartext' ? pemToLibp2pKey(body) : body
  const key = await node.keys.import(name, bytes, params.bool('force', false))
  sendJson(res, { Name: key.name, Id: key.id })
}

/** Kubo's `key/*` commands. */
export const KEY_COMMANDS: Record<string, RpcCommand> = {
  'key/gen': gen,
  'key/list': list,
  'key/rm': rm,
  'key/rename': rename,
  'key/export': exportKey,
  'key/import': importKey,
}
