/**
 * A minimal streaming tar (ustar, with PAX headers for long names) writer: what Kubo's `get` returns.
 */

import { isSafeEntryName, UnsafePathError } from '@ipfrs/core'
import type { LsEntry as ListEntry, NodeApi } from '@ipfrs/node-api'

const BLOCK = 512

export interface TarEntry {
  /** Path inside the archive ('/'-separated, no leading slash). */
  path: string
  type: 'file' | 'directory'
  /** File size in bytes (must match what `content` yields). */
  size?: number
  content?: AsyncIterable<Uint8Array>
}

/** Yields the archive's bytes for the given entries (file content is streamed through, never buffered whole). */
export async function* tarStream(entries: AsyncIterable<TarEntry>): AsyncGenerator<Uint8Array> {
  for await (const entry of entries) {
    const name = entry.path.replace(/\/+$/, '') // directories without a trailing slash, as Kubo writes them
    const size = entry.type === 'file' ? (entry.size ?? 0) : 0
    if (Buffer.byteLength(name) > 100) yield paxHeader(name)
    yield header(truncateName(name), entry.type === 'file' ? '0' : '5', size)
    if (entry.type === 'file' && entry.content != null) {
      let written = 0
      for await (const chunk of entry.content) {
        written += chunk.byteLength
        yield chunk
      }
      if (written !== size) throw new Error(`tar: ${entry.path} has ${written} bytes, its header said ${size}`)
      if (size % BLOCK !== 0) yield new Uint8Array(BLOCK - (size % BLOCK))
    }
  }
  yield new Uint8Array(BLOCK * 2)
}

function header(name: string, type: '0' | '5' | 'x', size: number): Uint8Array {
  const h = Buffer.alloc(BLOCK)
  h.write(name, 0, 100, 'utf8')
  h.write(octal(type === '5' ? 0o755 : 0o644, 8), 100)
  h.write(octal(0, 8), 108)
  h.write(octal(0, 8), 116)
  h.write(octal(size, 12), 124)
  h.write(octal(0, 12), 136)
  h.write('        ', 148) // checksum field counts as spaces while summing
  h.write(type, 156)
  h.write('ustar\u000000', 257, 'latin1')
  let sum = 0
  for (const byte of h) sum += byte
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1')
  return h
}

function paxHeader(name: string): Uint8Array {
  const record = paxRecord('path', name)
  const body = Buffer.from(record)
  const pad = body.byteLength % BLOCK === 0 ? 0 : BLOCK - (body.byteLength % BLOCK)
  return Buffer.concat([header('PaxHeader', 'x', body.byteLength), body, Buffer.alloc(pad)])
}

/** `"<len> key=value\n"` where len counts itself. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`
  let len = Buffer.byteLength(rest)
  while (String(len).length + Buffer.byteLength(rest) !== len) len = String(len).length + Buffer.byteLength(rest)
  return `${len}${rest}`
}

function truncateName(name: string): string {
  const bytes = Buffer.from(name)
  return bytes.byteLength <= 100 ? name : bytes.subarray(0, 100).toString('utf8')
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\u0000`
}

/** The entries of the UnixFS file or tree at `path`, named `name` and below (unsafe entry names refused). */
export async function* unixfsTarEntries(
  node: NodeApi,
  path: string,
  name: string,
  signal: AbortSignal,
): AsyncGenerator<TarEntry> {
  const stat = await node.stat(path, { signal })
  if (stat.type !== 'directory') {
    yield { path: name, type: 'file', size: Number(stat.size), content: node.cat(path, { signal }) }
    return
  }
  yield { path: name, type: 'directory' }
  const children: ListEntry[] = []
  for await (const entry of node.ls(path, { signal })) children.push(entry)
  for (const child of children) {
    if (!isSafeEntryName(child.name)) throw new UnsafePathError(child.name, path)
  }
  for (const child of children) yield* unixfsTarEntries(node, `${path}/${child.name}`, `${name}/${child.name}`, signal)
}
