import { createRequire } from 'node:module'
import { constants, zstdCompressSync, zstdDecompressSync } from 'node:zlib'
import { COMPRESSION_ALGORITHMS, type CompressionAlgorithm } from '@ipfrs/core'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { CorruptFrameError } from './errors.js'
import { TransformBlockstore } from './transform-blockstore.js'

// lz4 and snappy are native addons (~1.5 MiB of a process's memory with their JS), loaded by the first block that
// uses them: a repo that stores with zstd or none (the default) and holds no such frame never loads either
const require = createRequire(import.meta.url)
let lz4Module: typeof import('lz4-napi') | undefined
let snappyModule: typeof import('snappy') | undefined
const lz4 = () => (lz4Module ??= require('lz4-napi') as typeof import('lz4-napi'))
const snappy = () => (snappyModule ??= require('snappy') as typeof import('snappy'))

/**
 * Frame magics: the first 4 bytes of a stored block say how to read it.
 *
 * - zstd: `28 b5 2f fd`, zstd's own frame magic; the stored bytes are exactly one zstd frame (written with zstd's
 *   content checksum, so a flipped bit is caught rather than returned).
 * - lz4: `f1 1f 4c 34` (`f1 1f` "L4"), then the uncompressed length (u32 little-endian), then one lz4 block.
 * - snappy: `f1 1f 53 4e` (`f1 1f` "SN"), then one raw snappy block (which begins with its length as a varint).
 * - raw: `f1 1f 52 57` (`f1 1f` "RW"), then the block as it is. Only used for an uncompressed block that itself begins
 *   with one of these four magics, so that no stored block is ambiguous.
 *
 * Any other stored block is the block itself. `f1 1f` never begins UTF-8 text (`f1` needs a continuation byte),
 * dag-cbor (`f1` is a CBOR simple value dag-cbor forbids) or dag-pb (`f1` is no protobuf field tag), so the escape is
 * only ever needed for binary raw blocks.
 */
export const MAGIC = {
  zstd: Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd),
  lz4: Uint8Array.of(0xf1, 0x1f, 0x4c, 0x34),
  snappy: Uint8Array.of(0xf1, 0x1f, 0x53, 0x4e),
  raw: Uint8Array.of(0xf1, 0x1f, 0x52, 0x57),
} as const

/** What a stored block is: a frame of one of the codecs, an escaped raw block, or plain (unframed) bytes. */
export type FrameKind = keyof typeof MAGIC | 'plain'

/** The largest block a read will decompress, unless configured otherwise (a guard against decompression bombs). */
export const DEFAULT_MAX_BLOCK_SIZE = 8 * 1024 * 1024
/** Blocks smaller than this are stored as they are, unless configured otherwise. */
export const DEFAULT_MIN_SIZE = 256
/** The zstd level used unless configured otherwise. */
export const DEFAULT_ZSTD_LEVEL = 3

/** How a `CompressionBlockstore` (or `compressFrame`) stores blocks. */
export interface CompressionOptions {
  /** The codec new blocks are written with; every codec is read whatever this is. */
  algorithm: CompressionAlgorithm
  /** zstd level, 1-22 (default 3); lz4 and snappy ignore it. */
  level?: number
  /** Blocks smaller than this many bytes are stored as they are (default 256). */
  minSize?: number
  /**
   * Largest decompressed block accepted on read (default 8 MiB); a frame that claims or yields more is corrupt.
   * Blocks larger than this are written uncompressed, so a store can always read what it wrote.
   */
  maxBlockSize?: number
}

const KINDS = ['zstd', 'lz4', 'snappy', 'raw'] as const

/** Which frame `stored` begins with (`plain` for none). */
export function detectFrame(stored: Uint8Array): FrameKind {
  if (stored.byteLength >= 4) {
    for (const kind of KINDS) {
      const m = MAGIC[kind]
      if (stored[0] === m[0] && stored[1] === m[1] && stored[2] === m[2] && stored[3] === m[3]) return kind
    }
  }
  return 'plain'
}

/**
 * The stored form of `bytes`: a frame of `options.algorithm` when that makes it smaller, else the bytes themselves
 * (behind the raw magic if they happen to begin with a frame magic).
 */
export function compressFrame(bytes: Uint8Array, options: CompressionOptions): Uint8Array {
  const { algorithm, level, minSize, maxBlockSize } = checkOptions(options)
  if (algorithm !== 'none' && bytes.byteLength >= minSize && bytes.byteLength <= maxBlockSize) {
    const framed = encodeWith(algorithm, bytes, level)
    if (framed.byteLength < bytes.byteLength) return framed
  }
  return detectFrame(bytes) === 'plain' ? bytes : concat(MAGIC.raw, bytes)
}

/**
 * The original bytes of a stored block, whatever frame it is in. Throws `CorruptFrameError` (`ERR_CORRUPT_FRAME`)
 * for a truncated or undecodable frame, or one that would decompress to more than `maxBlockSize` bytes.
 */
export function decompressFrame(stored: Uint8Array, maxBlockSize = DEFAULT_MAX_BLOCK_SIZE): Uint8Array {
  const kind = detectFrame(stored)
  try {
    switch (kind) {
      case 'plain':
        return stored
      case 'raw':
        return stored.subarray(4)
      case 'zstd':
        // zstd stops (and throws) once the output would pass the limit, so a bomb never inflates beyond it
        return asUint8(zstdDecompressSync(stored, { maxOutputLength: maxBlockSize }))
      case 'lz4': {
        const payload = stored.subarray(4)
        if (payload.byteLength < 4) throw new CorruptFrameError('truncated lz4 frame')
        const size = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true)
        checkSize('lz4', size, maxBlockSize)
        const out = lz4().uncompressSync(payload)
        if (out.byteLength !== size) throw new CorruptFrameError(`lz4 frame gave ${out.byteLength} bytes, not ${size}`)
        return asUint8(out)
      }
      case 'snappy': {
        const payload = stored.subarray(4)
        checkSize('snappy', snappyLength(payload), maxBlockSize)
        return asUint8(snappy().uncompressSync(payload, { asBuffer: true }) as Buffer)
      }
    }
  } catch (err) {
    if (err instanceof CorruptFrameError) throw err
    throw new CorruptFrameError(`${kind} frame does not decompress: ${(err as Error).message}`, { cause: err })
  }
}

/**
 * A blockstore that compresses blocks before they reach the inner store and decompresses them on the way out.
 * The CID always addresses the uncompressed bytes. Reads understand every frame whatever `algorithm` is set to
 * (`none` included), so changing the setting never strands blocks written before.
 */
export class CompressionBlockstore<S extends Blockstore = Blockstore> extends TransformBlockstore<S> {
  /** The settings, with defaults filled in. */
  readonly options: Readonly<Required<CompressionOptions>>

  /** Throws `TypeError` for an unknown algorithm or an out-of-range level or size. */
  constructor(inner: S, options: CompressionOptions) {
    super(inner)
    this.options = Object.freeze(checkOptions(options))
  }

  protected encode(_cid: CID, bytes: Uint8Array): Uint8Array {
    return compressFrame(bytes, this.options)
  }

  protected decode(_cid: CID, stored: Uint8Array): Uint8Array {
    return decompressFrame(stored, this.options.maxBlockSize)
  }
}

function checkOptions(options: CompressionOptions): Required<CompressionOptions> {
  const {
    algorithm,
    level = DEFAULT_ZSTD_LEVEL,
    minSize = DEFAULT_MIN_SIZE,
    maxBlockSize = DEFAULT_MAX_BLOCK_SIZE,
  } = options
  if (!(COMPRESSION_ALGORITHMS as readonly string[]).includes(algorithm))
    throw new TypeError(`unknown compression algorithm "${algorithm}" (expected ${COMPRESSION_ALGORITHMS.join(', ')})`)
  if (!Number.isInteger(level) || level < 1 || level > 22) throw new TypeError(`zstd level must be 1-22, not ${level}`)
  if (!Number.isInteger(minSize) || minSize < 0) throw new TypeError(`minSize must be a whole number, not ${minSize}`)
  if (!Number.isInteger(maxBlockSize) || maxBlockSize < 1 || maxBlockSize > 2 ** 32 - 1)
    throw new TypeError(`maxBlockSize must be 1 to 2^32-1 bytes, not ${maxBlockSize}`)
  return { algorithm, level, minSize, maxBlockSize }
}

function encodeWith(algorithm: Exclude<CompressionAlgorithm, 'none'>, bytes: Uint8Array, level: number): Uint8Array {
  switch (algorithm) {
    case 'zstd':
      return asUint8(
        zstdCompressSync(bytes, {
          params: { [constants.ZSTD_c_compressionLevel]: level, [constants.ZSTD_c_checksumFlag]: 1 },
        }),
      )
    case 'lz4':
      // lz4-napi's block format already begins with the uncompressed length (u32 little-endian)
      return concat(MAGIC.lz4, lz4().compressSync(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)))
    case 'snappy':
      return concat(MAGIC.snappy, snappy().compressSync(bytes))
  }
}

/** The uncompressed length a raw snappy payload declares (its leading varint, at most 5 bytes). */
function snappyLength(payload: Uint8Array): number {
  let value = 0
  for (let i = 0; i < 5 && i < payload.byteLength; i++) {
    const byte = payload[i]!
    value += (byte & 0x7f) * 2 ** (7 * i)
    if ((byte & 0x80) === 0) return value
  }
  throw new CorruptFrameError('truncated snappy frame')
}

function checkSize(kind: string, size: number, max: number): void {
  if (size > max) throw new CorruptFrameError(`${kind} frame claims ${size} bytes, more than the ${max}-byte limit`)
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a, 0)
  out.set(b, a.byteLength)
  return out
}

function asUint8(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}
