/**
 * The direct way a leaf of a file DAG gets from a repo's disk into a caller's buffer: its block file read on the thread
 * pool (no stream, no blockstore), the block's sha2-256 checked against the leaf's CID on the calling thread, the
 * leaf's file bytes put in their place in the destination. The caller keeps several leaves' reads in flight, so while
 * one leaf is hashed the pool reads the next ones. It only applies when the block is stored as it is (an unencrypted
 * repo, no compression frame):
 * anything else (a frame, an unexpected layout, another hash, a missing file, a hash mismatch) returns false and the
 * caller reads the leaf the normal way, which decodes frames and reports errors.
 */
import { createHash } from 'node:crypto'
import { close, open, read, readv } from 'node:fs'
import { promisify } from 'node:util'
import { varint } from 'multiformats'
import type { CID } from 'multiformats/cid'
import { CHUNK_CODEC, DAG_PB_CODEC } from './manifest-codec.js'

/** The plain fd calls (no FileHandle: a leaf is one open, one readv, one close, thousands of them per load). */
const openFile = promisify(open)
const readvFile = promisify(readv)
const readFile = promisify(read)

/** Where a block is stored on disk as its own bytes, if it may be (undefined: read it through the blockstore). */
export type BlockFileLocator = (cid: CID) => string | undefined

const SHA2_256 = 0x12
/** The dag-pb leaf framing is at most this long on either side of its data (tags and varints). */
const FRAME_MAX = 24

/** Reads a varint at `at`; returns [value, next position] or undefined when it runs past `end`. */
function readVarint(b: Uint8Array, at: number, end: number): [number, number] | undefined {
  let value = 0
  for (let shift = 0, i = at; i < end && shift < 49; shift += 7, i++) {
    const byte = b[i] as number
    value += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) return [value, i + 1]
  }
  return undefined
}

/**
 * The framing of a dag-pb UnixFS leaf holding `length` bytes as Kubo and ipfs-unixfs write it: PBNode{Data:
 * UnixFS{Type: raw|file, Data: <length bytes>, filesize: length}} and no links. Returns the prefix and suffix lengths.
 */
function leafFraming(length: number): { head: number; tail: number } {
  const tail = 1 + varint.encodingLength(length)
  const inner = 2 + 1 + varint.encodingLength(length) + length + tail
  return { head: 1 + varint.encodingLength(inner) + 3 + varint.encodingLength(length), tail }
}

/** Whether `head`/`tail` are exactly the framing `leafFraming(length)` describes (raw or file type). */
function framingMatches(head: Uint8Array, tail: Uint8Array, length: number): boolean {
  const inner = 2 + 1 + varint.encodingLength(length) + length + tail.byteLength
  if (head[0] !== 0x0a) return false
  const outer = readVarint(head, 1, head.byteLength)
  if (outer === undefined || outer[0] !== inner) return false
  let at = outer[1]
  if (head[at] !== 0x08 || (head[at + 1] !== 0 && head[at + 1] !== 2) || head[at + 2] !== 0x12) return false
  at += 3
  const data = readVarint(head, at, head.byteLength)
  if (data === undefined || data[0] !== length || data[1] !== head.byteLength) return false
  if (tail[0] !== 0x18) return false
  const size = readVarint(tail, 1, tail.byteLength)
  return size !== undefined && size[0] === length && size[1] === tail.byteLength
}

/**
 * Reads the leaf `cid` from the block file at `path` into `dest`, which must be exactly as long as the file bytes the
 * leaf holds. True when `dest` now holds them, verified; false when this leaf cannot be read this way (its stored form
 * is not the plain block, the file is missing, the hash does not match): `dest` is then unspecified and the caller
 * reads the leaf through the blockstore. `verify: false` skips the hash (a repo trusted as Kubo trusts its own with
 * `HashOnRead` off); the leaf's layout is still checked.
 *
 * Verified, the block is read whole into a reused scratch buffer, hashed there and its data then copied into `dest`;
 * unverified, one `readv` lands the data straight in `dest` (the framing in scratch). On the 2-core VM the benches run
 * on, the scratch way costs about a third less than reading in place then hashing `dest`: the first user-space touch
 * of each fresh page the kernel filled costs 5-8 µs, while a copy into it from a buffer still in cache costs less (see
 * bench/results/models.md).
 */
export async function readLeafFileInto(
  path: string,
  cid: CID,
  dest: Uint8Array,
  options: { verify?: boolean } = {},
): Promise<boolean> {
  if (cid.multihash.code !== SHA2_256 || cid.multihash.digest.byteLength !== 32) return false
  const raw = cid.code === CHUNK_CODEC
  if (!raw && cid.code !== DAG_PB_CODEC) return false
  const framing = raw ? { head: 0, tail: 0 } : leafFraming(dest.byteLength)
  if (framing.head > FRAME_MAX || framing.tail > FRAME_MAX) return false
  const want = framing.head + dest.byteLength + framing.tail
  let fd: number
  try {
    fd = await openFile(path, 'r')
  } catch {
    return false
  }
  // a longer file (a frame, another layout) reads one byte more, into the probe (or the scratch's spare byte)
  const block = options.verify === false ? undefined : takeScratch(want + 1)
  try {
    if (block === undefined) {
      const head = new Uint8Array(framing.head)
      const tail = new Uint8Array(framing.tail)
      const parts = raw ? [dest, new Uint8Array(1)] : [head, dest, tail, new Uint8Array(1)]
      if ((await readvFile(fd, parts, 0)).bytesRead !== want) return false
      return raw || framingMatches(head, tail, dest.byteLength)
    }
    if ((await readFile(fd, block, 0, want + 1, 0)).bytesRead !== want) return false
    const head = block.subarray(0, framing.head)
    const data = block.subarray(framing.head, framing.head + dest.byteLength)
    const tail = block.subarray(framing.head + dest.byteLength, want)
    if (!raw && !framingMatches(head, tail, dest.byteLength)) return false
    if (!blockHashes(cid, block.subarray(0, want))) return false
    dest.set(data)
    return true
  } catch {
    return false
  } finally {
    close(fd, () => {}) // nothing waits on it: the bytes are read, and a failed close loses nothing
    if (block !== undefined) giveScratch(block)
  }
}

/** Scratch buffers of finished reads, kept for the next ones (as many as are ever in flight at once, up to 16). */
const spare: Uint8Array[] = []

function takeScratch(length: number): Uint8Array {
  const i = spare.findIndex((b) => b.byteLength >= length)
  const found = i === -1 ? new Uint8Array(length) : (spare.splice(i, 1)[0] as Uint8Array)
  return found.subarray(0, length)
}

function giveScratch(block: Uint8Array): void {
  if (spare.length < 16) spare.push(new Uint8Array(block.buffer))
}

/** Whether `block` hashes to `cid` (sha2-256, node:crypto: OpenSSL uses the CPU's SHA extensions where it has them). */
function blockHashes(cid: CID, block: Uint8Array): boolean {
  const got = createHash('sha256').update(block).digest()
  const expected = cid.multihash.digest
  for (let i = 0; i < 32; i++) if (got[i] !== expected[i]) return false
  return true
}
