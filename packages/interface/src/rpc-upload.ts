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
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of part.content) {
      size += chunk.byteLength
      if (size > options.maxBytes) throw bodyTooLarge(options.maxBytes)
      chunks.push(Buffer.from(chunk))
    }
    return Buffer.concat(chunks)
  }
  throw badArgument(`no ${options.what} in the request (send it as a multipart file)`)
}
