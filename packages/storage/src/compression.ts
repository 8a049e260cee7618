import { constants, zstdCompressSync, zstdDecompressSync } from 'node:zlib'
import type { CompressionAlgorithm } from '@ipfrs/core'
import type { Blockstore } from 'interface-blockstore'
import { compressSync as lz4Compress, uncompressSync as lz4Uncompress } from 'lz4-napi'
import type { CID } from 'multiformats/cid'
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy'
import { CorruptFrameError } from './errors.js'
import { TransformBlockstore } from './transform-blockstore.js'

/**
 * Frame magics. zstd frames are zstd's own output (its magic is `28 b5 2f fd`); lz4 and snappy payloads get an IPFRS
 * magic (`f1 1f` + `L4` / `SN`). A block stored uncompressed carries no frame, unless it happens to begin with one of
 * these magics: then it is stored behind the `f1 1f RW` (raw) magic so reads are never ambiguous.
 */
export const MAGIC = {
  zstd: Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd),
  lz4: Uint8Array.of(0xf1, 0x1f, 0x4c, 0x34),
  snappy: Uint8Array.of(0xf1, 0x1f, 0x53, 0x4e),
  raw: Uint8Array.of(0xf1, 0x1f, 0x52, 0x57),
} as const

/** What a stored block is: a frame of one of the codecs, an escaped raw block, or plain bytes. */
export type FrameKind = keyof typeof MAGIC | 'plain'

/** Blocks are never larger than this once decompressed, unless configured otherwise (a guard against bombs). */
export const DEFAULT_MAX_BLOCK_SIZE = 8 * 1024 * 1024

export interface CompressionOptions {
  algorithm: CompressionAlgorithm
  /** zstd level (default 3). */
  level?: number
  /** Blocks smaller than this are stored as they are (default 256). */
  minSize?: number
  /** Largest decompressed block accepted on read (default 8 MiB). */
  maxBlockSize?: number
}

/** Which frame `stored` begins with. */
export function detectFrame(stored: Uint8Array): FrameKind {
  if (stored.byteLength >= 4) {
    for (const kind of ['zstd', 'lz4', 'snappy', 'raw'] as const) {
      const m = MAGIC[kind]
      if (stored[0] === m[0] && stored[1] === m[1] && stored[2] === m[2] && stored[3] === m[3]) return kind
    }
  }
  return 'plain'
}

/** The stored form of `bytes`: a frame when compression helps, else the bytes themselves (escaped if they look framed). */
export function compressFrame(bytes: Uint8Array, options: CompressionOptions): Uint8Array {
  const minSize = options.minSize ?? 256
  if (options.algorithm !== 'none' && bytes.byteLength >= minSize) {
    const framed = encodeWith(options.algorithm, bytes, options.level ?? 3)
    if (framed.byteLength < bytes.byteLength) return framed
  }
  return detectFrame(bytes) === 'plain' ? bytes : concat(MAGIC.raw, bytes)
}

/** The original bytes of a stored block, whatever frame it is in; throws `CorruptFrameError` when it cannot be read. */
export function decompressFrame(stored: Uint8Array, maxBlockSize = DEFAULT_MAX_BLOCK_SIZE): Uint8Array {
  const kind = detectFrame(stored)
  try {
    switch (kind) {
      case 'plain':
        return stored
      case 'raw':
        return stored.subarray(4)
      case 'zstd':
        return asUint8(zstdDecompressSync(stored, { maxOutputLength: maxBlockSize }))
      case 'lz4': {
        const payload = stored.subarray(4)
        if (payload.byteLength < 4) throw new CorruptFrameError('truncated lz4 frame')
        const size = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true)
        checkSize(size, maxBlockSize)
        const out = lz4Uncompress(payload)
        if (out.byteLength !== size) throw new CorruptFrameError(`lz4 frame gave ${out.byteLength} bytes, not ${size}`)
        return asUint8(out)
      }
      case 'snappy': {
        const payload = stored.subarray(4)
        checkSize(snappyLength(payload), maxBlockSize)
        return asUint8(snappyUncompress(payload, { asBuffer: true }) as Buffer)
      }
    }
  } catch (err) {
    if (err instanceof CorruptFrameError) throw err
    throw new CorruptFrameError(`${kind} frame does not decompress: ${(err as Error).message}`, { cause: err })
  }
}

/**
 * A blockstore that compresses blocks before they reach the inner store and decompresses them on the way out.
 * The CID always addresses the uncompressed bytes. Reads understand every frame whatever `algorithm` is set to, so
 * changing the setting never strands blocks written before.
 */
export class CompressionBlockstore<S extends Blockstore = Blockstore> extends TransformBlockstore<S> {
  readonly options: Readonly<CompressionOptions>

  constructor(inner: S, options: CompressionOptions) {
    super(inner)
    this.options = { ...options }
  }

  protected encode(_cid: CID, bytes: Uint8Array): Uint8Array {
    return compressFrame(bytes, this.options)
  }

  protected decode(_cid: CID, stored: Uint8Array): Uint8Array {
    return decompressFrame(stored, this.options.maxBlockSize)
  }
}

function encodeWith(algorithm: Exclude<CompressionAlgorithm, 'none'>, bytes: Uint8Array, level: number): Uint8Array {
  switch (algorithm) {
    case 'zstd':
      return asUint8(zstdCompressSync(bytes, { params: { [constants.ZSTD_c_compressionLevel]: level } }))
    case 'lz4':
      // lz4-napi prepends the uncompressed length (u32 little-endian), which reads check before inflating
      return concat(MAGIC.lz4, lz4Compress(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)))
    case 'snappy':
      return concat(MAGIC.snappy, snappyCompress(bytes))
  }
}

/** The uncompressed length a snappy payload declares (its leading varint). */
function snappyLength(payload: Uint8Array): number {
  let value = 0
  for (let i = 0; i < 5 && i < payload.byteLength; i++) {
    const byte = payload[i]!
    value += (byte & 0x7f) * 2 ** (7 * i)
    if ((byte & 0x80) === 0) return value
  }
  throw new CorruptFrameError('truncated snappy frame')
}

function checkSize(size: number, max: number): void {
  if (size > max) throw new CorruptFrameError(`frame claims ${size} bytes, more than the ${max}-byte block limit`)
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
