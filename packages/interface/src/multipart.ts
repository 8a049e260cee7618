import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import busboy from 'busboy'
import { badArgument } from './errors.js'

/** One part of an upload: a file (its content streams) or a directory (no content). */
export interface MultipartPart {
  path: string
  content?: AsyncIterable<Uint8Array>
}

/** Limits on the multipart envelope (not on file sizes: file content streams straight into the importer). */
export interface MultipartLimits {
  /** Most parts (files and directories) in one request. */
  maxParts: number
  /** Longest part header (a file path), in bytes. */
  maxHeaderBytes: number
  /** Ends the upload (the part being read fails with the signal's reason), e.g. when the client disconnects. */
  signal?: AbortSignal
}

const DEFAULTS = { maxParts: 100_000, maxHeaderBytes: 16 * 1024 }

/**
 * The files and directories of a multipart/form-data upload, as Kubo's clients send them to `add` and
 * `dag/import`: each part's filename is its URI-encoded path, directories have Content-Type
 * application/x-directory. Parts arrive one after another, so the consumer must read each file's content to the
 * end before asking for the next part. A client that disconnects mid-upload (or `signal` aborting) fails the part
 * being read at once, so nothing waits forever for bytes that will never come.
 */
export async function* multipartParts(
  req: IncomingMessage,
  limits: Partial<MultipartLimits> = {},
): AsyncGenerator<MultipartPart> {
  const { maxParts, maxHeaderBytes, signal } = { ...DEFAULTS, ...limits }
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
  /** Part streams not yet read to their end: a disconnect must fail them, or their reader waits forever. */
  const open = new Set<Readable>()
  let finished = false
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const notify = () => {
    wake?.()
    wake = undefined
  }
  const abort = (reason: unknown) => {
    if (finished) return
    const err = reason instanceof Error ? reason : new Error(String(reason ?? 'the client disconnected'))
    failure ??= err
    for (const stream of open) stream.destroy(err)
    open.clear()
    req.unpipe(parser)
    notify()
  }
  const onAbort = () => abort(signal?.reason)
  signal?.addEventListener('abort', onAbort, { once: true })
  // the connection closed before the whole body arrived (Ctrl-C, curl -m, a crashed client)
  const onClose = () => {
    if (!req.complete) abort(new Error('the client disconnected mid-upload'))
  }
  req.once('close', onClose)
  let files = 0
  parser.on('file', (name, stream, info) => {
    if (++files > maxParts) {
      failure = badArgument(`more than ${maxParts} parts in one request`)
      stream.resume()
      notify()
      return
    }
    open.add(stream)
    // a part failed by `abort` before (or after) anyone reads it must not become an uncaught 'error'
    stream.on('error', () => undefined)
    stream.once('end', () => open.delete(stream))
    stream.once('close', () => open.delete(stream))
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
  if (signal?.aborted === true) abort(signal.reason)
  else req.pipe(parser)
  try {
    yield* parts()
  } finally {
    signal?.removeEventListener('abort', onAbort)
    req.off('close', onClose)
    // a consumer that stopped early (an error in the importer): free what the parser still holds
    if (!finished) abort(failure ?? new Error('the upload was abandoned'))
  }

  async function* parts(): AsyncGenerator<MultipartPart> {
    while (true) {
      if (failure != null) throw failure
      const next = queue.shift()
      if (next != null) {
        if (next.directory) {
          next.stream.resume()
          yield { path: next.path }
        } else {
          yield { path: next.path, content: partContent(next.stream, () => failure) }
        }
        continue
      }
      if (finished) return
      await new Promise<void>((resolve) => {
        wake = resolve
      })
    }
  }
}

/** A part's bytes; a part cut short by a malformed body is the caller's error (400), not the daemon's (500). */
async function* partContent(stream: Readable, failure: () => Error | undefined): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Uint8Array
  } catch (err) {
    if (failure() === err) throw err // the upload was cut off (a disconnect), not malformed
    throw badArgument(`malformed multipart request: ${(err as Error).message}`)
  }
}
