import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import busboy from 'busboy'
import { badArgument } from './errors.js'
import type { AddCandidate } from './node-api.js'

/** Limits on the multipart envelope (not on file sizes: file content streams straight into the importer). */
export interface MultipartLimits {
  /** Most parts (files and directories) in one request. */
  maxParts: number
  /** Longest part header (a file path), in bytes. */
  maxHeaderBytes: number
}

const DEFAULTS: MultipartLimits = { maxParts: 100_000, maxHeaderBytes: 16 * 1024 }

/**
 * The files and directories of a multipart/form-data upload, as Kubo's clients send them to `add` and
 * `dag/import`: each part's filename is its URI-encoded path, directories have Content-Type
 * application/x-directory. Parts arrive one after another, so the consumer must read each file's content to the
 * end before asking for the next part.
 */
export async function* multipartParts(
  req: IncomingMessage,
  limits: Partial<MultipartLimits> = {},
): AsyncGenerator<AddCandidate> {
  const { maxParts, maxHeaderBytes } = { ...DEFAULTS, ...limits }
  const type = req.headers['content-type'] ?? ''
  if (!type.startsWith('multipart/form-data')) throw badArgument('expected a multipart/form-data body with files')
  let parser: busboy.Busboy
  try {
    parser = busboy({
      headers: req.headers,
      preservePath: true,
      // one over our limit: busboy reports its parts limit on reaching the final boundary of a body that has exactly
      // `parts` parts when that boundary arrives in the same chunk; the count below enforces maxParts exactly
      limits: { parts: maxParts + 1, files: maxParts + 1, fields: 100, fieldSize: 64 * 1024, headerPairs: 32 },
      highWaterMark: 1024 * 1024,
      fileHwm: 1024 * 1024,
    })
  } catch (err) {
    throw badArgument(`malformed multipart request: ${(err as Error).message}`)
  }
  const queue: Array<{ path: string; stream: Readable; directory: boolean }> = []
  let finished = false
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const notify = () => {
    wake?.()
    wake = undefined
  }
  let files = 0
  parser.on('file', (name, stream, info) => {
    if (++files > maxParts) {
      failure = badArgument(`more than ${maxParts} parts in one request`)
      stream.resume()
      notify()
      return
    }
    const raw = info.filename ?? name
    let path: string
    try {
      path = decodeURIComponent(raw)
    } catch {
      path = raw
    }
    if (Buffer.byteLength(path) > maxHeaderBytes) {
      failure = badArgument(`a part's file name is longer than ${maxHeaderBytes} bytes`)
      stream.resume()
    }
    queue.push({ path, stream, directory: info.mimeType === 'application/x-directory' })
    notify()
  })
  parser.on('field', () => undefined)
  parser.on('partsLimit', () => {
    failure = badArgument(`more than ${maxParts} parts in one request`)
    notify()
  })
  parser.on('error', (err: Error) => {
    failure = badArgument(`malformed multipart request: ${err.message}`)
    notify()
  })
  parser.on('close', () => {
    finished = true
    notify()
  })
  req.on('error', (err) => {
    failure = err
    notify()
  })
  req.pipe(parser)
  while (true) {
    if (failure != null) throw failure
    const next = queue.shift()
    if (next != null) {
      if (next.directory) {
        next.stream.resume()
        yield { path: next.path }
      } else {
        yield { path: next.path, content: partContent(next.stream) }
      }
      continue
    }
    if (finished) return
    await new Promise<void>((resolve) => {
      wake = resolve
    })
  }
}

/** A part's bytes; a part cut short by a malformed body is the caller's error (400), not the daemon's (500). */
async function* partContent(stream: Readable): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Uint8Array
  } catch (err) {
    throw badArgument(`malformed multipart request: ${(err as Error).message}`)
  }
}
