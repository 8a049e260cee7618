/** Kubo's `refs`, `refs/local`, `object/stat`, `dag/put` and `resolve`. */
import { type CID, formatCid, getCodec } from '@ipfrs/core'
import type { DagReader } from '@ipfrs/node-api'
import * as dagPb from '@ipld/dag-pb'
import { badArgument } from './errors.js'
import { sendJson, sendNdjson } from './http-util.js'
import { multipartParts } from './multipart.js'
import { HASHES } from './rpc-blocks.js'
import type { RpcCommand } from './rpc-context.js'
import { dagReader, namedLinks, readBlock, resolveToCid } from './rpc-dag-walk.js'
import { readLimited } from './rpc-upload.js'

/** One `dag put` node; Kubo's limit on a block without `allow-big-block`. */
const MAX_DAG_NODE = 4 * 1024 * 1024

/**
 * `refs?arg=<path>…&recursive&unique&max-depth&edges&format`: one `{Ref, Err}` line per link, depth first, as Kubo
 * walks (links of a node in order, each followed by its own links when recursive). Blocks not held are fetched from
 * peers, so `refs -r` also downloads a DAG (as IPFS Cluster used it). A failure while walking is an `{Err}` line.
 */
const refs: RpcCommand = async (ctx) => {
  const { params, node, res, signal } = ctx
  const paths = params.args()
  if (paths.length === 0) throw badArgument('missing path (pass it as ?arg=)')
  const recursive = params.bool('recursive', false) || params.bool('r', false)
  const unique = params.bool('unique', false) || params.bool('u', false)
  const edges = params.bool('edges', false) || params.bool('e', false)
  const depthText = params.string('max-depth') ?? '-1'
  if (!/^-?\d+$/.test(depthText)) throw badArgument('max-depth must be an integer (-1 for no limit)')
  const maxDepth = recursive ? Number(depthText) : 1
  let format = params.string('format') ?? '<dst>'
  if (edges) {
    if (format !== '<dst>') throw badArgument('using format argument with edges is not allowed')
    format = '<src> -> <dst>'
  }
  const roots: CID[] = []
  for (const path of paths) roots.push(await resolveToCid(node, path, signal)) // bad paths fail before the stream
  const seen = new Map<string, number>()
  /** Kubo's pruning: [go deeper, print]. */
  const visit = (cid: CID, depth: number): [boolean, boolean] => {
    const atMax = maxDepth >= 0 && depth === maxDepth
    if (maxDepth >= 0 && depth > maxDepth) return [false, false]
    if (!unique) return [!atMax, true]
    const key = formatCid(cid)
    const old = seen.get(key)
    if (old != null && (maxDepth < 0 || old <= depth)) return [false, false]
    seen.set(key, depth)
    return [!atMax, old == null]
  }
  const line = (from: CID, to: CID, name: string) =>
    format.replaceAll('<src>', formatCid(from)).replaceAll('<dst>', formatCid(to)).replaceAll('<linkname>', name)
  async function* walk(reader: DagReader, cid: CID, bytes: Uint8Array, depth: number): AsyncGenerator<unknown> {
    for (const link of namedLinks(cid, bytes)) {
      const [deeper, print] = visit(link.cid, depth + 1)
      if (!deeper && !print) continue
      const child = await readBlock(reader, link.cid, signal) // printed refs are fetched, as Kubo's
      if (print) yield { Ref: line(cid, link.cid, link.name), Err: '' }
      if (deeper) yield* walk(reader, link.cid, child, depth + 1)
    }
  }
  async function* lines(): AsyncGenerator<unknown> {
    for (const root of roots) {
      try {
        const reader = dagReader(node, root, signal)
        yield* walk(reader, root, await readBlock(reader, root, signal), 0)
      } catch (err) {
        if (signal.aborted) throw err
        yield { Ref: '', Err: (err as Error).message }
      }
    }
  }
  await sendNdjson(res, lines())
}

/** `refs/local`: every block in the repo, `{Ref, Err}` each, as raw CIDv1s (as Kubo lists them). */
const refsLocal: RpcCommand = async ({ node, res }) => {
  async function* lines(): AsyncGenerator<unknown> {
    for await (const cid of node.block.ls()) yield { Ref: formatCid(cid), Err: '' }
  }
  await sendNdjson(res, lines())
}

/**
 * `object/stat?arg=<path>`: Kubo's legacy `{Hash, NumLinks, BlockSize, LinksSize, DataSize, CumulativeSize}` of a
 * dag-pb node (a raw block is all data, no links).
 */
const objectStat: RpcCommand = async ({ params, node, res, signal }) => {
  const cid = await resolveToCid(node, params.arg('path'), signal)
  const bytes = await readBlock(dagReader(node, cid, signal), cid, signal)
  let links: dagPb.PBLink[] = []
  let dataSize = bytes.byteLength
  if (cid.code === dagPb.code) {
    const pb = dagPb.decode(bytes)
    links = pb.Links
    dataSize = pb.Data?.byteLength ?? 0
  } else if (cid.code !== 0x55) throw badArgument(`object stat takes a dag-pb or raw block, not ${cid.toString()}`)
  sendJson(res, {
    Hash: formatCid(cid),
    NumLinks: links.length,
    BlockSize: bytes.byteLength,
    LinksSize: bytes.byteLength - dataSize,
    DataSize: dataSize,
    CumulativeSize: links.reduce((sum, l) => sum + (l.Tsize ?? 0), bytes.byteLength),
  })
}

/**
 * `dag/put?store-codec=dag-cbor&input-codec=dag-json&pin&hash`: each multipart file decoded with the input codec,
 * stored with the store codec; one `{Cid: {"/": cid}}` per file.
 */
const dagPut: RpcCommand = async (ctx) => {
  const { params, node, req, res, signal } = ctx
  const store = getCodec(params.string('store-codec') ?? 'dag-cbor')
  const input = getCodec(params.string('input-codec') ?? 'dag-json')
  const hash = params.string('hash') ?? 'sha2-256'
  const hashCode = HASHES[hash]
  if (hashCode == null) throw badArgument(`unsupported hash ${hash} (sha2-256 or sha2-512)`)
  const pin = params.bool('pin', false)
  const lines: unknown[] = []
  for await (const part of multipartParts(req, { maxParts: 1000, signal })) {
    if (part.content == null) continue
    const bytes = await readLimited(part.content, MAX_DAG_NODE)
    let value: unknown
    try {
      value = input.decode(bytes)
    } catch (err) {
      throw badArgument(`the input is not valid ${input.name}: ${(err as Error).message}`)
    }
    const encoded = store.code === input.code ? bytes : store.encode(value)
    const stat = await node.block.put(encoded, {
      signal,
      format: store.name,
      hashCode,
      pin, // held by a direct pin from the moment it is written (GC cannot take it before the recursive pin)
      allowBigBlock: params.bool('allow-big-block', false),
    })
    if (pin) {
      // Kubo's dag put pins recursively: every block the node links to must be held
      await node.pin.add(stat.cid, { signal, recursive: true }).catch(async (err: unknown) => {
        await node.pin.rm(stat.cid).catch(() => undefined)
        throw err
      })
    }
    lines.push({ Cid: { '/': formatCid(stat.cid) } })
  }
  if (lines.length === 0) throw badArgument('no node in the request (send it as a multipart file)')
  await sendNdjson(
    res,
    (async function* () {
      yield* lines
    })(),
  )
}

/** `resolve?arg=<path>&recursive`: `{Path: "/ipfs/<cid>"}`, the CID an /ipfs/ or /ipns/ path names. */
const resolve: RpcCommand = async ({ params, node, res, signal }) => {
  const path = params.arg('path')
  sendJson(res, { Path: `/ipfs/${formatCid(await resolveToCid(node, path, signal))}` })
}

export const REFS_COMMANDS: Record<string, RpcCommand> = {
  refs,
  'refs/local': refsLocal,
  'object/stat': objectStat,
  'dag/put': dagPut,
  resolve,
}
