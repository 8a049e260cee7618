import { getConfigKey, setConfigKey, validateConfig } from '@ipfrs/core/config'
import { IpfrsError } from '@ipfrs/core/errors'
import { badArgument } from './errors.js'
import { sendJson } from './http-util.js'
import type { RpcCommand } from './rpc-context.js'
import { firstFile } from './rpc-upload.js'

/** A config key that is not set (`config <key>` with no value). */
export class ConfigKeyNotFoundError extends IpfrsError {
  static override readonly httpStatus = 404
  static readonly code = 'ERR_CONFIG_KEY_NOT_FOUND'
  constructor(key: string) {
    super(ConfigKeyNotFoundError.code, `config key ${key.slice(0, 200)} is not set`)
  }
}

/**
 * `config?arg=<key>`: `{Key, Value}`; `config?arg=<key>&arg=<value>[&json|&bool]` sets it (validated, saved; it takes
 * effect when the node next starts, as the CLI's `ipfrs config`) and answers the same shape.
 */
const config: RpcCommand = async ({ params, node, res }) => {
  const [key, value, ...rest] = params.args()
  if (key == null || key === '') throw badArgument('missing config key (pass it as ?arg=)')
  if (rest.length > 0) throw badArgument('config takes a key and at most one value')
  if (value === undefined) {
    const current = getConfigKey(node.repo.config, key)
    if (current === undefined) throw new ConfigKeyNotFoundError(key)
    sendJson(res, { Key: key, Value: current })
    return
  }
  if (key === 'Identity' || key.startsWith('Identity.'))
    throw badArgument("the identity cannot be changed over the API (it is the repo's keystore/self)")
  const parsed = parseValue(value, params.bool('json', false), params.bool('bool', false))
  await node.repo.saveConfig(setConfigKey(node.repo.config, key, parsed))
  sendJson(res, { Key: key, Value: parsed })
}

/** `config/show`: the whole config. */
const show: RpcCommand = async ({ node, res }) => {
  sendJson(res, node.repo.config)
}

/** `config/replace`, the new config as the first multipart file (JSON); the node's identity is kept. */
const replace: RpcCommand = async ({ node, req, res, signal, maxBodyBytes }) => {
  const body = await firstFile(req, { signal, maxBytes: maxBodyBytes, what: 'config' })
  let input: unknown
  try {
    input = JSON.parse(Buffer.from(body).toString('utf8'))
  } catch {
    throw badArgument('config/replace: the body is not valid JSON')
  }
  const next = validateConfig(input)
  await node.repo.saveConfig({ ...next, Identity: node.repo.config.Identity })
  res.writeHead(200).end()
}

function parseValue(value: string, json: boolean, bool: boolean): unknown {
  if (bool) {
    if (value !== 'true' && value !== 'false')
      throw badArgument(`--bool needs true or false, got ${value.slice(0, 50)}`)
    return value === 'true'
  }
  if (!json) return value
  try {
    return JSON.parse(value)
  } catch {
    throw badArgument(`--json value is not valid JSON: ${value.slice(0, 100)}`)
  }
}

/**
 * `shutdown`: answers 200, then calls `stop` (the daemon's graceful stop: the CLI's daemon stops its node too and
 * exits, as Kubo's does).
 */
export function shutdownCommand(stop: () => void): RpcCommand {
  return async ({ res }) => {
    res.writeHead(200).end(() => setImmediate(stop))
  }
}

/** Kubo's `config`, `config/show`, `config/replace`. */
export const CONFIG_COMMANDS: Record<string, RpcCommand> = {
  config,
  'config/show': show,
  'config/replace': replace,
}
