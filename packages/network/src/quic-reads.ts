import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/**
 * @chainsafe/libp2p-quic (2.1.1) reads every stream 4 KiB at a time (`CHUNK_SIZE` in its stream.js): each read is a
 * call into its Rust side (quinn) and a promise settled back on the JS thread, so a 256 KiB block took 64 of them and
 * the JS thread, not the network, bounded a stream. Raw stream throughput between two libp2p nodes on 127.0.0.1
 * (one stream, 128 MiB): 62 MiB/s with 4 KiB reads, ~200 MiB/s with up to 256 KiB (TCP + TLS + yamux: 152).
 *
 * The read size is the size of the buffer the Rust side allocates (zeroed) and hands over, and every open stream keeps
 * one read pending, so it grows only on a stream that fills what it asked for: it doubles after a full read, up to
 * `QUIC_MAX_READ_BYTES`, and halves after a read that filled half or less, down to what the library asks. An idle
 * stream (most Bitswap and DHT streams) keeps the library's 4 KiB read. A stream that goes idle after a burst keeps its
 * last, large read pending, so the reads above the library's size share a budget per process
 * (`QUIC_GROWN_READS_BYTES`): when it is spent, a read asks only what the library asks until a grown one returns.
 */
export const QUIC_MAX_READ_BYTES = 256 * 1024

/** What the pending reads of all QUIC streams may ask beyond the library's 4 KiB each (128 reads of 256 KiB). */
export const QUIC_GROWN_READS_BYTES = 32 * 1024 * 1024

type NativeRead = (this: object, max: number) => Promise<Uint8Array | null | undefined>
interface NativeStream {
  prototype: { read: NativeRead & { [GROWS]?: true } }
}

const GROWS = Symbol.for('ipfrs.quic-reads-grow')

/** What the pending reads ask beyond the library's size now, out of `QUIC_GROWN_READS_BYTES`. */
let grownBytes = 0

/** The bytes the pending QUIC reads ask beyond the library's 4 KiB each (within `QUIC_GROWN_READS_BYTES`). */
export function grownQuicReadBytes(): number {
  return grownBytes
}

/**
 * Lets QUIC streams read up to `QUIC_MAX_READ_BYTES` at a time (see above), once per process; returns whether the
 * library's native stream had the expected `read(maxLength)` to wrap (false leaves it as it was).
 */
export function growQuicReads(): boolean {
  let Stream: NativeStream | undefined
  try {
    // the binding module, next to the package's entry (not in its exports); Node shares one instance of an ES module
    // between import and require, so this is the class the transport's streams are made of
    const entry = import.meta.resolve('@chainsafe/libp2p-quic')
    const napi = createRequire(import.meta.url)(fileURLToPath(new URL('./napi.js', entry))) as { Stream?: NativeStream }
    Stream = napi.Stream
  } catch {
    return false
  }
  const read = Stream?.prototype?.read
  if (typeof read !== 'function') return false
  if (read[GROWS] === true) return true
  const next = new WeakMap<object, number>()
  const grown: NativeRead & { [GROWS]?: true } = function (this: object, asked: number) {
    const wanted = next.get(this) ?? asked
    const extra = wanted > asked && grownBytes + wanted - asked <= QUIC_GROWN_READS_BYTES ? wanted - asked : 0
    const size = asked + extra
    grownBytes += extra
    return read.call(this, size).then(
      (chunk) => {
        grownBytes -= extra
        if (chunk != null) {
          const got = chunk.byteLength
          if (got >= size) next.set(this, Math.min(size * 2, Math.max(asked, QUIC_MAX_READ_BYTES)))
          else if (got * 2 <= size && size > asked) next.set(this, Math.max(size / 2, asked))
        }
        return chunk
      },
      (err: unknown) => {
        grownBytes -= extra
        throw err
      },
    )
  }
  grown[GROWS] = true
  Stream!.prototype.read = grown
  return true
}
