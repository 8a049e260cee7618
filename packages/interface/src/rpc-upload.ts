import type { IncomingMessage } from 'node:http'
import { badArgument, bodyTooLarge } from './errors.js'
import { multipartParts } from './multipart.js'

/**
 * The bytes of the first file of a multipart upload (what `files/write`, `pubsub/pub`, `config/replace`,
 * `key/import` and `routing/put` send), at most `maxBytes` of them (413 beyond).
 */
export async function firstFile(
  req: IncomingMessage,
  options: { signal: AbortSignal; maxBytes: number; what: string },
): Promise<Uint8Array> {
  for await (const part of multipartParts(req, { maxParts: 1, signal: options.signal })) {
    if (part.content == null) continue
    return await readLimited(part.content, options.maxBytes)
  }
  throw badArgument(`no ${options.what} in the request (send it as a multipart file)`)
}

/** Passes `source` through, failing with `ERR_BODY_TOO_LARGE` (413) once it has gone past `max` bytes. */
export async function* limited(source: AsyncIterable<Uint8Array>, max: number): AsyncGenerator<Uint8Array> {
  let size = 0
  for await (const chunk of source) {
    size += chunk.byteLength
    if (size > max) throw bodyTooLarge(max)
    yield chunk
  }
}

/** All of `source` in one buffer, at most `max` bytes of it (413 beyond). */
export async function readLimited(source: AsyncIterable<Uint8Array>, max: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of limited(source, max)) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}
