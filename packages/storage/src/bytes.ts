import { concatBytes } from '@ipfrs/core'

/** What a blockstore `put` accepts: bytes, or bytes in pieces. */
export type BytesInput = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>

/**
 * Joins bytes given whole or in pieces into one plain Uint8Array (a Buffer becomes a view of the same memory; no copy
 * when given whole or as one piece).
 */
export async function collectBytes(input: BytesInput): Promise<Uint8Array> {
  if (input instanceof Uint8Array) return plain(input)
  const parts: Uint8Array[] = []
  let length = 0
  for await (const part of input as AsyncIterable<Uint8Array>) {
    parts.push(part)
    length += part.byteLength
  }
  return parts.length === 1 ? plain(parts[0]!) : concatBytes(parts, length)
}

/** Yields `bytes` as the one piece of a blockstore `get` result. */
export async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes
}

function plain(bytes: Uint8Array): Uint8Array {
  return Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes
}
