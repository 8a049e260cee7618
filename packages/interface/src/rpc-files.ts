import { checkEntryPath, formatCid, parseCid } from '@ipfrs/core'
import type { AddOptions, LsEntry as ListEntry } from '@ipfrs/node-api'
import { badArgument } from './errors.js'
import { sendBytes, sendJson, sendNdjson } from './http-util.js'
import { type MultipartPart, multipartParts } from './multipart.js'
import { AsyncQueue, type RpcCommand, type RpcContext } from './rpc-context.js'
import { tarStream, unixfsTarEntries } from './tar.js'

/** `add`: files and directories from a multipart upload; one `{Name, Hash, Size}` line per entry, the root last. */
export const add: RpcCommand = async (ctx) => {
  const { params, node, signal } = ctx
  const hash = params.string('hash')
  if (hash != null && hash !== 'sha2-256') throw badArgument(`unsupported hash function ${hash} (only sha2-256)`)
  if (params.bool('trickle', false)) throw badArgument('the trickle layout is not supported')
  const cidVersion = params.int('cid-version')
  if (cidVersion != null && cidVersion !== 0 && cidVersion !== 1) throw badArgument('cid-version must be 0 or 1')
  const progress = params.bool('progress', false)
  const quieter = params.bool('quieter', false)
  const flags: AddOptions = {
    signal,
    sequentialFiles: true,
    cidVersion: cidVersion as 0 | 1 | undefined,
    rawLeaves: params.bool('raw-leaves'),
    chunker: params.string('chunker'),
    onlyHash: params.bool('only-hash', false),
    pin: params.bool('pin', true),
    wrapWithDirectory: params.bool('wrap-with-directory', false),
  }
  const out = new AsyncQueue<Record<string, unknown>>()
  if (progress) flags.onProgress = progressLines(out)
  const parts = checkedNames(multipartParts(ctx.req, { signal }))
  const run = (async () => {
    const results = []
    for await (const entry of node.addAll(parts, flags)) results.push(entry)
    const shown = quieter ? results.slice(-1) : results
    for (const entry of shown) {
      const cid = formatCid(entry.cid)
      out.push({ Name: entry.path === '' ? cid : entry.path, Hash: cid, Size: String(entry.size) })
    }
  })()
  run.then(
    () => out.end(),
    (err) => out.end(err),
  )
  await sendNdjson(ctx.res, out)
}

/**
 * Refuses (400, `ERR_UNSAFE_PATH`) a part whose path has an empty, `.`, `..`, backslash or NUL name, before it is read.
 * Directory parts (no content) are held back until the next file part is checked, since the importer writes a
 * directory's block at once: an upload whose bad name follows only directories stores nothing. (A file already read
 * before a bad name leaves unpinned blocks, which gc removes; nothing is pinned.)
 */
async function* checkedNames(parts: AsyncIterable<MultipartPart>): AsyncGenerator<MultipartPart> {
  const directories: MultipartPart[] = []
  for await (const part of parts) {
    checkEntryPath(part.path)
    if (part.content == null) {
      directories.push(part)
      continue
    }
    yield* directories.splice(0)
    yield part
  }
  yield* directories
}

/**
 * Kubo's progress lines, `{Name, Bytes}` with the bytes of that file read so far, every 256 KiB and at each file's end,
 * from the node's `add:read`/`add:file` progress events.
 */
function progressLines(out: AsyncQueue<Record<string, unknown>>): NonNullable<AddOptions['onProgress']> {
  const reported = new Map<string, number>()
  return (event) => {
    const { path, bytes } = event.detail
    const last = reported.get(path) ?? 0
    if (event.type === 'add:read' ? bytes - last < 256 * 1024 : bytes === last) return
    reported.set(path, bytes)
    out.push({ Name: path, Bytes: bytes })
  }
}

/** `cat`: the bytes of a file (`offset`, `length`). */
export const cat: RpcCommand = async ({ params, node, res, signal }) => {
  const path = params.arg('path')
  const offset = params.int('offset')
  if (offset != null && offset > 0) {
    const stat = await node.stat(path, { signal })
    if (stat.type !== 'directory' && BigInt(offset) > stat.size)
      throw badArgument(`offset ${offset} is past the end of the file (${stat.size} bytes)`)
  }
  await sendBytes(res, node.cat(path, { signal, offset, length: params.int('length') }), {
    'Content-Type': 'text/plain',
  })
}

/** `ls`: Kubo's `{Objects: [{Hash, Links: [{Name, Hash, Size, Type}]}]}` (Type 1 = directory, 2 = file). */
export const ls: RpcCommand = async ({ params, node, res, signal }) => {
  const objects = []
  for (const path of params.args().length > 0 ? params.args() : [params.arg('path')]) {
    const stat = await node.stat(path, { signal })
    const links = []
    if (stat.type === 'directory') {
      for await (const entry of node.ls(path, { signal })) {
        links.push({ Name: entry.name, Hash: entry.cid, Size: Number(entry.size), Type: kuboType(entry), Target: '' })
      }
    }
    objects.push({ Hash: path, Links: links })
  }
  sendJson(res, { Objects: objects })
}

/** `get`: a tar archive of a file or directory tree, named by its last path segment (as Kubo's). */
export const get: RpcCommand = async ({ params, node, res, signal }) => {
  const path = params.arg('path')
  if (params.bool('compress', false)) throw badArgument('compressed archives are not supported (omit compress)')
  const root = path.replace(/^\/?ipfs\//, '').replace(/\/+$/, '')
  const name = root.split('/').at(-1) ?? root
  parseCid(root.split('/')[0] ?? '') // 400 on a bad CID before anything is sent
  await sendBytes(res, tarStream(unixfsTarEntries(node, root, name, signal)), { 'Content-Type': 'application/x-tar' })
}

function kuboType(entry: ListEntry): number {
  return entry.type === 'directory' ? 1 : 2
}

export const FILE_COMMANDS: Record<string, RpcCommand> = { add, cat, ls, get }

export type { RpcContext }
