import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { identity } from 'multiformats/hashes/identity'
import { BlockHashMismatchError, UnsupportedHashError } from './errors.js'

/** Multihash function codes we compute, and node:crypto's name for each. */
const NODE_HASHES: ReadonlyMap<number, string> = new Map([
  [0x12, 'sha256'],
  [0x13, 'sha512'],
])

/** The multihash code of sha2-256, the default hash of every IPFS CID. */
export const SHA2_256 = 0x12

/** Computes the multihash of `bytes` with the given function (sha2-256 by default), using node:crypto. */
export function digest(bytes: Uint8Array, hashCode: number = SHA2_256): Digest.Digest<number, number> {
  if (hashCode === identity.code) return identity.digest(bytes)
  const algorithm = NODE_HASHES.get(hashCode)
  if (algorithm == null) throw new UnsupportedHashError(hashCode)
  const out = createHash(algorithm).update(bytes).digest()
  return Digest.create(hashCode, new Uint8Array(out.buffer, out.byteOffset, out.byteLength))
}

/** The CIDv1 of `bytes` under `codec` (sha2-256 unless told otherwise). */
export function cidOf(bytes: Uint8Array, codec: number, hashCode: number = SHA2_256): CID {
  return CID.createV1(codec, digest(bytes, hashCode))
}

/** Whether `bytes` hash to `cid`'s multihash. */
export function hashMatches(cid: CID, bytes: Uint8Array): boolean {
  return digestMatches(cid.multihash.digest, digest(bytes, cid.multihash.code).digest)
}

/**
 * Whether a computed digest `got` is the `want` of a CID's multihash: equal, or for a truncated multihash (e.g.
 * sha2-256 with a 20-byte digest) equal on `want`'s length.
 */
export function digestMatches(want: Uint8Array, got: Uint8Array): boolean {
  if (want.byteLength > got.byteLength) return false
  for (let i = 0; i < want.byteLength; i++) if (got[i] !== want[i]) return false
  return true
}

/** Throws `BlockHashMismatchError` unless `bytes` hash to `cid`. Every block from outside passes through here. */
export function verifyBlock(cid: CID, bytes: Uint8Array): void {
  if (!hashMatches(cid, bytes)) throw new BlockHashMismatchError(cid.toString())
}
