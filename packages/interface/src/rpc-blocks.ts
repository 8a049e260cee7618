import { formatCid, parseCid } from '@ipfrs/core'
import { badArgument } from './errors.js'
import { fromIterable, sendBytes, sendJson, sendNdjson } from './http-util.js'
import { multipartParts } from './multipart.js'
import type { RpcCommand } from './rpc-context.js'
import { readLimited } from './rpc-upload.js'

export const HASHES: Record<string, number> = { 'sha2-256': 0x12, 'sha2-512': 0x13 }
/** `block put` takes one block; bigger than this is refused even with allow-big-block (Kubo's hard cap). */
const MAX_BIG_BLOCK = 4 * 1024 * 1024

/** `block/put`: the first file of a multipart upload as one block; `{Key, Size}`. */
const blockPut: RpcCommand = async ({ params, node, req, res, signal }) => {
  const format = params.string('cid-codec') ?? params.string('format') ?? 'raw'
  const codec = format === 'v0' || format === 'protobuf' ? 'dag-pb' : format === 'cbor' ? 'dag-cbor' : format
  const mhtype = params.string('mhtype') ?? 'sha2-256'
  const hashCode = HASHES[mhtype]
  if (hashCode == null) throw badArgument(`unsupported mhtype ${mhtype} (sha2-256 or sha2-512)`)
  const results = []
  for await (const part of multipartParts(req, { maxParts: 1000, signal })) {
    if (part.content == null) continue
    const stat = await node.block.put(await readLimited(part.content, MAX_BIG_BLOCK), {
      signal,
      format: codec,
      hashCode,
      pin: params.bool('pin', false),
      allowBigBlock: params.bool('allow-big-block', false),
    })
    results.push({ Key: formatCid(stat.cid), Size: stat.size })
  }
  if (results.length === 0) throw badArgument('no block data in the request (send it as a multipart file)')
  await sendNdjson(res, fromIterable(results))
}

const blockGet: RpcCommand = async ({ params, node, res, signal }) => {
  const cid = parseCid(params.arg('CID'))
  const bytes = await node.block.get(cid, { signal })
  await sendBytes(res, fromIterable([bytes]), { 'Content-Length': bytes.byteLength })
}

const blockStat: RpcCommand = async ({ params, node, res, signal }) => {
  const stat = await node.block.stat(parseCid(params.arg('CID')), { signal })
  sendJson(res, { Key: formatCid(stat.cid), Size: stat.size })
}

/** `block/rm`: one `{Hash, Error}` line per CID; errors per block, as Kubo reports them. */
const blockRm: RpcCommand = async ({ params, node, res, signal }) => {
  const cids = params.args().map((a) => parseCid(a))
  if (cids.length === 0) throw badArgument('missing CID (pass it as ?arg=)')
  const force = params.bool('force', false)
  const quiet = params.bool('quiet', false)
  const lines: Array<{ Hash: string; Error?: string }> = []
  for (const cid of cids) {
    try {
      await node.block.rm([cid], { signal, force })
      if (!quiet) lines.push({ Hash: formatCid(cid) })
    } catch (err) {
      lines.push({ Hash: formatCid(cid), Error: (err as Error).message })
    }
  }
  await sendNdjson(res, fromIterable(lines))
}

const dagExport: RpcCommand = async ({ params, node, res, signal }) => {
  const cid = params.arg('root CID')
  parseCid(cid)
  await sendBytes(res, node.dag.export(cid, { signal }), { 'Content-Type': 'application/vnd.ipld.car' })
}

/** `dag/import`: CAR files from a multipart upload; `{Root: {Cid: {"/": cid}, PinErrorMsg}}` per root. */
const dagImport: RpcCommand = async ({ params, node, req, res, signal }) => {
  const pinRoots = params.bool('pin-roots', true)
  const stats = params.bool('stats', false)
  const lines: unknown[] = []
  let blocks = 0
  for await (const part of multipartParts(req, { maxParts: 1000, signal })) {
    if (part.content == null) continue
    const result = await node.dag.import(part.content, { signal, pinRoots })
    blocks += result.blocks
    for (const root of result.roots) lines.push({ Root: { Cid: { '/': formatCid(root) }, PinErrorMsg: '' } })
  }
  if (stats) lines.push({ Stats: { BlockCount: blocks } })
  await sendNdjson(res, fromIterable(lines))
}

export const BLOCK_COMMANDS: Record<string, RpcCommand> = {
  'block/put': blockPut,
  'block/get': blockGet,
  'block/stat': blockStat,
  'block/rm': blockRm,
  'dag/export': dagExport,
  'dag/import': dagImport,
}
