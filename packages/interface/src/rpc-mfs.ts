import { formatCid } from '@ipfrs/core'
import { badArgument } from './errors.js'
import { fromIterable, sendBytes, sendJson, sendNdjson } from './http-util.js'
import { multipartParts } from './multipart.js'
import type { RpcCommand } from './rpc-context.js'
import { limited } from './rpc-upload.js'

/** Largest `files/write` body: the file is rewritten in memory (MFS edits are small files; use `add` for big ones). */
const MAX_WRITE_BYTES = 256 * 1024 * 1024

/** `files/mkdir?arg=<path>&parents` */
const mkdir: RpcCommand = async ({ params, node, res, signal }) => {
  await node.files.mkdir(params.arg('path'), { signal, parents: params.bool('parents', false) })
  res.writeHead(200).end()
}

/** `files/write?arg=<path>&create&truncate&offset&count&parents`, the content as the first multipart file. */
const write: RpcCommand = async ({ params, node, req, res, signal }) => {
  const path = params.arg('path')
  const options = {
    signal,
    create: params.bool('create', false),
    truncate: params.bool('truncate', false),
    parents: params.bool('parents', false),
    offset: params.int('offset'),
    count: params.int('count'),
  }
  let wrote = false
  for await (const part of multipartParts(req, { maxParts: 1, signal })) {
    if (part.content == null) continue
    await node.files.write(path, limited(part.content, MAX_WRITE_BYTES), options)
    wrote = true
  }
  if (!wrote) throw badArgument('no file content in the request (send it as a multipart file)')
  res.writeHead(200).end()
}

/** `files/read?arg=<path>&offset&count`: the bytes. */
const read: RpcCommand = async ({ params, node, res, signal }) => {
  const chunks = node.files.read(params.arg('path'), {
    signal,
    offset: params.int('offset'),
    count: params.int('count') ?? params.int('length'),
  })
  await sendBytes(res, chunks, { 'X-Stream-Output': '1' })
}

/** `files/ls?arg=<path>&long&stream`: `{Entries: [{Name, Type, Size, Hash}]}`, one entry per line with `stream`. */
const ls: RpcCommand = async ({ params, node, res, signal }) => {
  const path = params.string('arg') ?? '/'
  const long = params.bool('long', false) || params.bool('l', false)
  const entries: Array<Record<string, unknown>> = []
  for await (const e of node.files.ls(path, { signal })) {
    entries.push({
      Name: e.name,
      Type: long ? (e.type === 'directory' ? 1 : 0) : 0,
      Size: long ? e.size : 0,
      Hash: long ? formatCid(e.cid) : '',
    })
  }
  if (params.bool('stream', false)) await sendNdjson(res, fromIterable(entries))
  else sendJson(res, { Entries: entries })
}

/** `files/stat?arg=<path>`: Kubo's `{Hash, Size, CumulativeSize, Blocks, Type}` (`hash`/`size` flags: just that). */
const stat: RpcCommand = async ({ params, node, res, signal }) => {
  const s = await node.files.stat(params.arg('path'), { signal })
  const body = {
    Hash: formatCid(s.cid),
    Size: s.size,
    CumulativeSize: s.cumulativeSize,
    Blocks: s.blocks,
    Type: s.type,
    WithLocality: false,
  }
  if (params.bool('hash', false)) sendJson(res, { Hash: body.Hash })
  else if (params.bool('size', false)) sendJson(res, { Size: body.Size })
  else sendJson(res, body)
}

/** `files/cp?arg=<from>&arg=<to>&parents` (`from` an MFS path or `/ipfs/<cid>[/path]`). */
const cp: RpcCommand = async ({ params, node, res, signal }) => {
  const [from, to] = twoArgs(params.args(), 'cp')
  await node.files.cp(from, to, { signal, parents: params.bool('parents', false) })
  res.writeHead(200).end()
}

/** `files/mv?arg=<from>&arg=<to>` */
const mv: RpcCommand = async ({ params, node, res, signal }) => {
  const [from, to] = twoArgs(params.args(), 'mv')
  await node.files.mv(from, to, { signal })
  res.writeHead(200).end()
}

/** `files/rm?arg=<path>…&recursive&force` */
const rm: RpcCommand = async ({ params, node, res, signal }) => {
  const paths = params.args()
  if (paths.length === 0) throw badArgument('missing path (pass it as ?arg=)')
  const recursive = params.bool('recursive', false) || params.bool('r', false)
  for (const path of paths) await node.files.rm(path, { signal, recursive, force: params.bool('force', false) })
  res.writeHead(200).end()
}

/** `files/flush?arg=<path>`: `{Cid}`. */
const flush: RpcCommand = async ({ params, node, res, signal }) => {
  sendJson(res, { Cid: formatCid(await node.files.flush(params.string('arg') ?? '/', { signal })) })
}

function twoArgs(args: string[], what: string): [string, string] {
  const [from, to] = args
  if (from == null || to == null || args.length !== 2)
    throw badArgument(`files/${what} takes two paths: ?arg=<source>&arg=<dest>`)
  return [from, to]
}

/** Kubo's `files/*` commands (the Mutable File System). */
export const MFS_COMMANDS: Record<string, RpcCommand> = {
  'files/mkdir': mkdir,
  'files/write': write,
  'files/read': read,
  'files/ls': ls,
  'files/stat': stat,
  'files/cp': cp,
  'files/mv': mv,
  'files/rm': rm,
  'files/flush': flush,
}
