import { concatBytes } from '@ipfrs/core'

/** All the bytes of a (sync or async) stream of chunks, joined into one plain Uint8Array. */
export async function collect(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return new Uint8Array(concatBytes(parts)) // a copy: never one of the chunks, never a Buffer
}
