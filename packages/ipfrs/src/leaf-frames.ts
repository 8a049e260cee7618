import { close, open, read, readv } from 'node:fs'
import { promisify } from 'node:util'

/**
 * Chunks of a file being added, each in a buffer ("frame") with room before and after it for the dag-pb + UnixFS
 * encoding of its leaf, so the leaf block is built around the chunk in place: the bytes read from disk are never
 * copied. Frames are pooled: an add gives a frame back once its block is on disk, so a long add allocates a few dozen
 * buffers, not one per chunk (allocating 256 KiB buffers at disk speed kept the GC busy for a fifth of the add). The
 * pool empties once adds stop (`FREE_FRAMES_IDLE_MS`): an idle daemon held 14 free frames, 3.5 MiB, after a soak.
 */

/** Bytes before a chunk for its leaf's header: 10 at most for chunks up to 1 MiB, 13 for any chunk under 256 MiB. */
const HEAD = 16
/** Bytes after a chunk for its leaf's trailer (the filesize field): at most 5. */
const TAIL = 8
/** Free frames kept per chunk size (32 of 256 KiB is 8 MiB). */
const MAX_FREE = 32
/** Free frames are dropped once no add has taken one for this long: a process that stopped adding keeps none. */
export const FREE_FRAMES_IDLE_MS = 10_000

const frames = new WeakSet<ArrayBuffer>()
const free = new Map<number, ArrayBuffer[]>()
let lastTaken = 0
let dropTimer: NodeJS.Timeout | undefined

/** A frame for a chunk of up to `chunkSize` bytes: a view of exactly `chunkSize` bytes at the frame's data offset. */
export function takeFrame(chunkSize: number): Uint8Array {
  lastTaken = Date.now()
  const buffer = free.get(chunkSize)?.pop() ?? newFrame(chunkSize)
  return new Uint8Array(buffer, HEAD, chunkSize)
}

/** How many free frames are kept now (all chunk sizes). */
export function freeFrames(): number {
  let n = 0
  for (const list of free.values()) n += list.length
  return n
}

/** Drops the free frames once none was taken for `FREE_FRAMES_IDLE_MS` (one timer, not holding the process open). */
function dropWhenIdle(): void {
  if (dropTimer !== undefined) return
  const check = () => {
    const quiet = Date.now() - lastTaken
    if (quiet < FREE_FRAMES_IDLE_MS) {
      dropTimer = setTimeout(check, FREE_FRAMES_IDLE_MS - quiet)
      dropTimer.unref()
      return
    }
    free.clear()
    dropTimer = undefined
  }
  dropTimer = setTimeout(check, FREE_FRAMES_IDLE_MS)
  dropTimer.unref()
}

function newFrame(chunkSize: number): ArrayBuffer {
  const buffer = new ArrayBuffer(HEAD + chunkSize + TAIL)
  frames.add(buffer)
  return buffer
}

/**
 * Whether `chunk` starts at the data offset of a frame for `chunkSize`-byte chunks, so that its leaf can be built in
 * place and its free room filled (a frame only ever comes from `takeFrame`; no caller's buffer is written around).
 */
export function isFrame(chunk: Uint8Array, chunkSize: number): boolean {
  return (
    chunk.byteOffset === HEAD &&
    chunk.buffer instanceof ArrayBuffer &&
    chunk.buffer.byteLength === HEAD + chunkSize + TAIL &&
    frames.has(chunk.buffer)
  )
}

/** The whole data area of the frame `chunk` starts (`chunkSize` bytes), to fill it further. */
export function frameOf(chunk: Uint8Array, chunkSize: number): Uint8Array {
  return new Uint8Array(chunk.buffer as ArrayBuffer, HEAD, chunkSize)
}

/** Gives a frame back for reuse. Only once, and only when nothing holds any view of it any more. */
export function releaseFrame(chunk: Uint8Array): void {
  const buffer = chunk.buffer as ArrayBuffer
  const chunkSize = buffer.byteLength - HEAD - TAIL
  const list = free.get(chunkSize) ?? []
  free.set(chunkSize, list)
  if (list.length < MAX_FREE) list.push(buffer)
  dropWhenIdle()
}

/** Chunks read by one `readv` (one call into the thread pool for 1 MiB of 256 KiB chunks). */
const READ_BATCH = 4

/**
 * The bytes of a file as `chunkSize`-byte chunks (the last one shorter; none for an empty file), each read straight
 * into a frame, `READ_BATCH` frames per `readv`. The next batch is read while the consumer takes this one, so reading
 * overlaps hashing and writing. Reads are callbacks on a plain descriptor: a FileHandle's promise machinery cost the
 * main thread several times the CPU of the read itself.
 */
export async function* readFrames(path: string, chunkSize: number): AsyncGenerator<Uint8Array> {
  const fd = await openFile(path, 'r')
  const span = chunkSize * READ_BATCH
  /** The batch's chunks (empty ones past the end) and whether it reached the end. */
  const readBatch = async (at: number): Promise<{ chunks: Uint8Array[]; end: boolean }> => {
    const frames = Array.from({ length: READ_BATCH }, () => takeFrame(chunkSize))
    let filled = await readvInto(fd, frames, at)
    // a short read that is not the end (rare for a regular file): the rest, frame by frame, until full or the end
    while (filled < span) {
      const frame = frames[Math.floor(filled / chunkSize)]!
      const offset = filled % chunkSize
      const bytesRead = await readInto(fd, frame, offset, chunkSize - offset, at + filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    const chunks = frames.map((frame, i) => frame.subarray(0, Math.max(0, Math.min(chunkSize, filled - i * chunkSize))))
    return { chunks, end: filled < span }
  }
  let position = 0
  const ahead: Promise<{ chunks: Uint8Array[]; end: boolean }>[] = []
  try {
    for (;;) {
      while (ahead.length < 2) {
        ahead.push(readBatch(position))
        position += span
      }
      const { chunks, end } = await ahead.shift()!
      for (const chunk of chunks) {
        if (chunk.byteLength > 0) yield chunk
        else releaseFrame(chunk)
      }
      if (end) return
    }
  } finally {
    // reads still running target the file: let them end before closing it (their frames are simply dropped)
    await Promise.allSettled(ahead)
    await closeFile(fd)
  }
}

const openFile = promisify(open)
const closeFile = promisify(close)

function readvInto(fd: number, into: Uint8Array[], position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    readv(fd, into, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead)))
  })
}

function readInto(fd: number, into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, into, offset, length, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead)))
  })
}

/**
 * Cuts any byte stream into `chunkSize`-byte chunks in frames (the last shorter; one empty chunk for no bytes, as the
 * stock fixed-size chunker does). A frame read by `readFrames` passes through as it is; other bytes are copied into
 * frames (one copy, as any chunker that joins pieces makes).
 */
export async function* framedChunks(source: AsyncIterable<Uint8Array>, chunkSize: number): AsyncGenerator<Uint8Array> {
  let frame: Uint8Array | undefined
  let filled = 0
  let emitted = false
  for await (const piece of source) {
    if (filled === 0 && isFrame(piece, chunkSize)) {
      if (piece.byteLength === chunkSize) {
        emitted = true
        yield piece
        continue
      }
      frame = frameOf(piece, chunkSize) // a short one (the file's end): later pieces fill it up
      filled = piece.byteLength
      continue
    }
    let at = 0
    while (at < piece.byteLength) {
      frame ??= takeFrame(chunkSize)
      const n = Math.min(chunkSize - filled, piece.byteLength - at)
      frame.set(piece.subarray(at, at + n), filled)
      filled += n
      at += n
      if (filled === chunkSize) {
        emitted = true
        yield frame
        frame = undefined
        filled = 0
      }
    }
    if (isFrame(piece, chunkSize)) releaseFrame(piece) // copied out of: nothing else holds it
  }
  if (filled > 0) yield frame!.subarray(0, filled)
  else if (!emitted) yield takeFrame(chunkSize).subarray(0, 0)
}
