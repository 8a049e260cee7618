import { digestOffThread, type HashRange, MIN_OFFLOAD, OFF_THREAD_HASHES } from '@ipfrs/core'
import { varint } from 'multiformats'
import * as Digest from 'multiformats/hashes/digest'
import type { MultihashHasher } from 'multiformats/hashes/interface'
import { sha256, sha512 } from 'multiformats/hashes/sha2'

/**
 * Bitswap's blocks hashed on a worker thread, once.
 *
 * A Bitswap message carries blocks as (prefix, bytes) without their CIDs: the receiver learns each block's CID by
 * hashing it, and Helia then hashes it again to check it against the CID it asked for. Both ran on the thread that
 * also decrypts, demultiplexes and decodes the stream: for 128 MiB received that is ~0.16 s of a ~1.2 s busy thread.
 * Here a message's buffer (one ArrayBuffer, assembled from the stream's chunks when it was longer than one) goes to a
 * hash worker, which hashes every block in it; the message is decoded again from the buffer that comes back, and each
 * block's view is remembered with its digest. The hashers given to Helia (`blockHashers`, used by Bitswap's receiver
 * through our patch and by Helia's check) answer a remembered view with its digest instead of hashing it again.
 *
 * A digest is remembered only for the views decoded here, which no other code held before, and only while the view
 * lives (a WeakMap): nothing can have changed the bytes between the hashing and the lookup.
 */

/** Digests computed off-thread, by the view of the block they are the hash of. */
const digests = new WeakMap<Uint8Array, Uint8Array>()

/** Blocks this process received over Bitswap and hashed on a worker thread. */
let hashedOffThread = 0

/** How many blocks this process received over Bitswap and hashed on a worker thread (the rest were hashed in place). */
export function bitswapBlocksHashedOffThread(): number {
  return hashedOffThread
}

interface MessageBlock {
  prefix: Uint8Array
  data: Uint8Array
}

/** The part of a decoded Bitswap message this looks at. */
export interface BlocksMessage {
  blocks: MessageBlock[]
}

/**
 * Hashes the blocks of `message`, decoded from `bytes`, on a worker; resolves with the message decoded again from the
 * buffer the worker gave back (`bytes` and `message` are then detached: use only the result), or with `message` as it
 * was when hashing it off-thread does not pay (small blocks, a buffer shared with other data, a hash node:crypto does
 * not compute). Called by our patch of @helia/bitswap for every message it receives.
 */
export async function digestMessageBlocks<M extends BlocksMessage>(
  message: M,
  bytes: Uint8Array,
  decode: (bytes: Uint8Array) => M,
): Promise<M> {
  const ranges: Array<HashRange | undefined> = []
  let total = 0
  for (const block of message.blocks) {
    const algorithm = hashAlgorithm(block.prefix)
    if (algorithm === undefined || block.data.buffer !== bytes.buffer) {
      ranges.push(undefined)
      continue
    }
    ranges.push({ algorithm, offset: block.data.byteOffset, length: block.data.byteLength })
    total += block.data.byteLength
  }
  // the message's own buffer only: bytes of anything else in it would be detached with it
  const { buffer, byteOffset, byteLength } = bytes
  if (total < MIN_OFFLOAD || !(buffer instanceof ArrayBuffer) || byteOffset !== 0 || byteLength !== buffer.byteLength)
    return message
  const back = await digestOffThread(
    buffer,
    ranges.filter((r) => r !== undefined),
  )
  const again = decode(new Uint8Array(back.buffer, byteOffset, byteLength))
  let next = 0
  again.blocks.forEach((block, i) => {
    if (ranges[i] === undefined) return
    digests.set(block.data, back.digests[next++] as Uint8Array)
    hashedOffThread++
  })
  return again
}

/** node:crypto's name for the hash in a Bitswap block prefix (version, codec, hash code, digest length). */
function hashAlgorithm(prefix: Uint8Array): string | undefined {
  try {
    let offset = 0
    for (let field = 0; field < 2; field++) offset += varint.decode(prefix, offset)[1]
    return OFF_THREAD_HASHES.get(varint.decode(prefix, offset)[0])
  } catch {
    return undefined
  }
}

/** `base`, answering a view `digestMessageBlocks` hashed with the digest it got, and any other input by hashing it. */
function rememberingHasher<Code extends number>(base: MultihashHasher<Code>): MultihashHasher<Code> {
  return {
    name: base.name,
    code: base.code,
    encode: (input) => base.encode(input),
    digest(input: Uint8Array, options?: { truncate?: number }) {
      const known = digests.get(input)
      if (known !== undefined && (options?.truncate === undefined || options.truncate === known.byteLength))
        return Digest.create(base.code, known)
      return base.digest(input, options)
    },
  }
}

/** The hashers to give Helia (`hashers`): sha2-256 and sha2-512 that know the digests of Bitswap's received blocks. */
export const blockHashers: MultihashHasher[] = [rememberingHasher(sha256), rememberingHasher(sha512)]
