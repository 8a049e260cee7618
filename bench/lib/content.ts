import { createCipheriv, createHash } from 'node:crypto'
import { MiB, median } from './report.ts'

/**
 * `size` pseudo-random bytes (an AES-256-CTR keystream keyed by `seed`), in pieces of `piece` bytes. The same seed
 * always gives the same bytes, so two implementations can be fed identical content without holding it in memory;
 * the bytes do not compress, as random data would not.
 */
export async function* pseudoRandomBytes(size: number, seed: string, piece = MiB): AsyncGenerator<Uint8Array> {
  const key = createHash('sha256').update(`ipfrs-bench/${seed}`).digest()
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16))
  const zeros = Buffer.alloc(piece)
  for (let offset = 0; offset < size; offset += piece) {
    const n = Math.min(piece, size - offset)
    yield cipher.update(n === piece ? zeros : zeros.subarray(0, n))
  }
}

/** What reading a stream cost: time to its first chunk, total time, bytes, and the sha-256 of the bytes. */
export interface TimedRead {
  firstChunkMs: number
  seconds: number
  /** CPU (user + system) this process used meanwhile, all its threads (libuv's pool, workers) included. */
  cpuSeconds: number
  bytes: number
  sha256: string
}

/** Reads the stream `open()` returns, timing from the call to `open()` (so lazy setup counts) to the last byte. */
export async function timedRead(open: () => AsyncIterable<Uint8Array>): Promise<TimedRead> {
  const hash = createHash('sha256')
  const cpu = process.cpuUsage()
  const start = performance.now()
  let firstChunkMs = Number.NaN
  let bytes = 0
  for await (const chunk of open()) {
    if (bytes === 0) firstChunkMs = performance.now() - start
    bytes += chunk.byteLength
    hash.update(chunk)
  }
  const seconds = (performance.now() - start) / 1000
  const { user, system } = process.cpuUsage(cpu)
  return { firstChunkMs, seconds, cpuSeconds: (user + system) / 1e6, bytes, sha256: hash.digest('hex') }
}

/** The median CPU time of `reads`, in ms per MiB of the `size` bytes each read moved. */
export function cpuMsPerMiB(reads: readonly TimedRead[], size: number): number {
  return (1000 * median(reads.map((r) => r.cpuSeconds))) / (size / MiB)
}

/** The sha-256 (hex) of a stream. */
export async function sha256Of(source: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of source) hash.update(chunk)
  return hash.digest('hex')
}

/** Polls `check` every 25 ms until it is true; throws `what` after `ms`. */
export async function waitUntil(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** The value at quantile `q` (0..1) of `xs`, nearest rank. */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return Number.NaN
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!
}
