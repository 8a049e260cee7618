import type { CID } from 'multiformats/cid'
import { getCodec } from './codecs.js'
import { BlockDecodeError } from './errors.js'
import { cidOf, SHA2_256, verifyBlock } from './hashing.js'

/** A block: bytes and the CID that addresses them. */
export interface Block {
  readonly cid: CID
  readonly bytes: Uint8Array
}

/** Encodes `value` with `codec` (a name or code) and returns the block with its CIDv1. */
export function encodeBlock(value: unknown, codec: number | string, hashCode: number = SHA2_256): Block {
  const c = getCodec(codec)
  const bytes = c.encode(value)
  return { cid: cidOf(bytes, c.code, hashCode), bytes }
}

/** Builds a block from bytes received from outside: checks the hash first (throws `ERR_BLOCK_HASH_MISMATCH`). */
export function verifiedBlock(cid: CID, bytes: Uint8Array): Block {
  verifyBlock(cid, bytes)
  return { cid, bytes }
}

/** Decodes a block's bytes with its CID's codec; throws `ERR_BLOCK_DECODE` for bytes that do not decode. */
export function decodeBlock<T = unknown>(block: Block): T {
  const codec = getCodec(block.cid.code)
  try {
    return codec.decode(block.bytes) as T
  } catch (err) {
    throw new BlockDecodeError(block.cid.toString(), { cause: err })
  }
}
