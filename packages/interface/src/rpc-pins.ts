import { type CID, formatCid, NotPinnedError, parseCid } from '@ipfrs/core'
import { badArgument } from './errors.js'
import { fromIterable, sendJson, sendNdjson } from './http-util.js'
import { AsyncQueue, type RpcCommand } from './rpc-context.js'
import { dagReader, fetchDag, readBlock, resolveToCid } from './rpc-dag-walk.js'

const PIN_TYPES = ['all', 'direct', 'recursive', 'indirect'] as const
type PinTypeFilter = (typeof PIN_TYPES)[number]

/** Kubo's interval between `pin/add?progress=true` lines. */
const PROGRESS_INTERVAL_MS = 500

/**
 * `pin/add?arg=<cid|path>…&recursive=true&progress`: `{Pins}`. Online, the blocks not held are fetched from peers first
 * (as Kubo's pin add does); with `progress`, `{Progress: <blocks fetched>, Bytes}` lines every half second while that
 * runs, then `{Pins}` (what IPFS Cluster reads to tell a stalled pin from a slow one).
 */
const pinAdd: RpcCommand = async ({ params, node, res, signal }) => {
  const paths = params.args()
  if (paths.length === 0) throw badArgument('missing CID to pin (pass it as ?arg=)')
  const recursive = params.bool('recursive', true)
  const roots: CID[] = []
  for (const path of paths) roots.push(await resolveToCid(node, path, signal))
  const progress = { nodes: 0, bytes: 0 }
  const withProgress = params.bool('progress', false)
  const run = async (): Promise<string[]> => {
    const pins: string[] = []
    for (const root of roots) {
      const reader = dagReader(node, root, signal)
      const onBlock = (bytes: number) => {
        progress.nodes++
        progress.bytes += bytes
      }
      // offline there is nothing to fetch: the pin's own walk checks the DAG is whole (counted only for progress)
      if (node.isOnline || withProgress) {
        if (recursive) await fetchDag(reader, root, { signal, onBlock })
        else onBlock((await readBlock(reader, root, signal)).byteLength)
      }
      pins.push(formatCid((await node.pin.add(root, { signal, recursive })).cid))
    }
    return pins
  }
  if (!withProgress) {
    sendJson(res, { Pins: await run() })
    return
  }
  const out = new AsyncQueue<Record<string, unknown>>()
  const timer = setInterval(() => out.push({ Progress: progress.nodes, Bytes: progress.bytes }), PROGRESS_INTERVAL_MS)
  run().then(
    (pins) => {
      clearInterval(timer)
      if (progress.nodes > 0) out.push({ Progress: progress.nodes, Bytes: progress.bytes })
      out.push({ Pins: pins })
      out.end()
    },
    (err) => {
      clearInterval(timer)
      out.end(err)
    },
  )
  await sendNdjson(res, out)
}

/**
 * `pin/update?arg=<from>&arg=<to>&unpin=true`: pins `to` recursively (fetching what is missing) and, with `unpin`,
 * drops the recursive pin of `from`, which must be recursively pinned; `{Pins: [from, to]}`.
 */
const pinUpdate: RpcCommand = async ({ params, node, res, signal }) => {
  const [fromPath, toPath, ...rest] = params.args()
  if (fromPath == null || toPath == null || rest.length > 0)
    throw badArgument('pin/update takes two paths: ?arg=<from>&arg=<to>')
  const from = await resolveToCid(node, fromPath, signal)
  const to = await resolveToCid(node, toPath, signal)
  let fromPinned = false
  for await (const pin of node.pin.ls({ signal, type: 'recursive' })) fromPinned ||= pin.cid.equals(from)
  if (!fromPinned) throw new NotPinnedError(formatCid(from), "'from' cid was not recursively pinned already")
  await fetchDag(dagReader(node, to, signal), to, { signal })
  await node.pin.add(to, { signal, recursive: true })
  if (params.bool('unpin', true) && !from.equals(to)) await node.pin.rm(from, { signal })
  sendJson(res, { Pins: [formatCid(from), formatCid(to)] })
}

const pinRm: RpcCommand = async ({ params, node, res, signal }) => {
  const paths = params.args()
  if (paths.length === 0) throw badArgument('missing CID to unpin (pass it as ?arg=)')
  const pins: string[] = []
  for (const path of paths) {
    const cid = cidOf(path)
    try {
      await node.pin.rm(cid, { signal })
    } catch (err) {
      // Kubo's exact words: clients (IPFS Cluster's unpin) compare the message to tell "already unpinned" apart
      if (err instanceof NotPinnedError) throw new NotPinnedError(cid, 'not pinned or pinned indirectly')
      throw err
    }
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
  'pin/update': pinUpdate,
  'pin/ls': pinLs,
  'repo/gc': repoGc,
  'repo/stat': repoStat,
}
