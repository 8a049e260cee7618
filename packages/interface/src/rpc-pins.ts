import { formatCid, NotPinnedError, parseCid } from '@ipfrs/core'
import { badArgument } from './errors.js'
import { fromIterable, sendJson, sendNdjson } from './http-util.js'
import type { RpcCommand } from './rpc-context.js'

const PIN_TYPES = ['all', 'direct', 'recursive', 'indirect'] as const
type PinTypeFilter = (typeof PIN_TYPES)[number]

const pinAdd: RpcCommand = async ({ params, node, res, signal }) => {
  const paths = params.args()
  if (paths.length === 0) throw badArgument('missing CID to pin (pass it as ?arg=)')
  const recursive = params.bool('recursive', true)
  const pins: string[] = []
  for (const path of paths) pins.push(formatCid((await node.pin.add(cidOf(path), { signal, recursive })).cid))
  sendJson(res, { Pins: pins })
}

const pinRm: RpcCommand = async ({ params, node, res, signal }) => {
  const paths = params.args()
  if (paths.length === 0) throw badArgument('missing CID to unpin (pass it as ?arg=)')
  const pins: string[] = []
  for (const path of paths) {
    const cid = cidOf(path)
    await node.pin.rm(cid, { signal })
    pins.push(formatCid(parseCid(cid)))
  }
  sendJson(res, { Pins: pins })
}

/** `pin/ls`: `{Keys: {cid: {Type}}}`, or with `stream=true` one `{Cid, Type}` line per pin (what kubo-rpc-client asks). */
const pinLs: RpcCommand = async ({ params, node, res, signal }) => {
  const type = (params.string('type') ?? 'all') as PinTypeFilter
  if (!PIN_TYPES.includes(type)) throw badArgument(`type must be one of ${PIN_TYPES.join(', ')}`)
  const wanted = new Set(params.args().map((a) => formatCid(parseCid(cidOf(a)))))
  const found: Array<{ Cid: string; Type: string }> = []
  for await (const pin of node.pin.ls({ signal, type })) {
    const cid = formatCid(pin.cid)
    if (wanted.size === 0 || wanted.has(cid)) found.push({ Cid: cid, Type: pin.type })
  }
  for (const cid of wanted) {
    if (!found.some((p) => p.Cid === cid)) throw new NotPinnedError(cid)
  }
  if (params.bool('stream', false)) {
    await sendNdjson(res, fromIterable(found))
    return
  }
  const keys: Record<string, { Type: string }> = {}
  for (const p of found) keys[p.Cid] = { Type: p.Type }
  sendJson(res, { Keys: keys })
}

/** `repo/gc`: one `{Key: {"/": cid}}` line per removed block. */
const repoGc: RpcCommand = async ({ params, node, res, signal }) => {
  const result = await node.gc({ signal, dryRun: params.bool('dry-run', false) })
  const quiet = params.bool('quiet', false)
  await sendNdjson(res, fromIterable(quiet ? [] : result.removed.map((cid) => ({ Key: { '/': formatCid(cid) } }))))
}

const repoStat: RpcCommand = async ({ params, node, res, signal }) => {
  const stat = await node.repoStat({ signal })
  if (params.bool('size-only', false)) sendJson(res, { RepoSize: stat.RepoSize, StorageMax: stat.StorageMax })
  else sendJson(res, stat)
}

/** A pin argument may be `/ipfs/<cid>`; pins are by CID only. */
function cidOf(path: string): string {
  const stripped = path.replace(/^\/?ipfs\//, '')
  if (stripped.includes('/')) throw badArgument(`pins take a CID, not a path: ${path}`)
  return stripped
}

export const PIN_COMMANDS: Record<string, RpcCommand> = {
  'pin/add': pinAdd,
  'pin/rm': pinRm,
  'pin/ls': pinLs,
  'repo/gc': repoGc,
  'repo/stat': repoStat,
}
