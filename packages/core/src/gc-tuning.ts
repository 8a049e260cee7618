import { setFlagsFromString } from 'node:v8'

/** The V8 flag `countBuffersInHeapLimit` sets (`--no-` before it turns it off again). */
export const BUFFERS_IN_HEAP_LIMIT_FLAG = 'external-memory-accounted-in-global-limit'

/**
 * Makes V8 count ArrayBuffer memory toward its heap's growth limit (`--external-memory-accounted-in-global-limit`)
 * instead of starting a full collection each time ~64 MiB of it was allocated since the last one, whatever the heap
 * holds. A node moving blocks allocates several buffers per byte it moves (socket reads, TLS records, block frames,
 * block reads), nearly all dead within milliseconds: under the default each 128 MiB moved between two nodes in one
 * process cost 12–14 mark-compacts; with this, young buffers are freed by scavenges and a full collection comes when
 * heap and buffers together reach the limit V8 sizes from what is live: 1–5 per 128 MiB, 25–30% less CPU per MiB and
 * 20–45% more MiB/s (in-process TensorSwap transfer, 4 rounds each way on one machine; bench/results/daemon.md for
 * two daemons). The price is memory while busy: the buffers wait longer for their collection (peak RSS of that
 * process 330 → 540 MiB during the transfers); an idle daemon gives it back (IdleCollector).
 *
 * Process-wide: `ipfrs daemon` applies it to its process (Daemon.start in @ipfrs/interface); a library user decides
 * for theirs (this function, e.g. `core.countBuffersInHeapLimit()` from `ipfrs`, or the flag on Node's command line).
 */
export function countBuffersInHeapLimit(): void {
  setFlagsFromString(`--${BUFFERS_IN_HEAP_LIMIT_FLAG}`)
}

/** The V8 flag `steadyHeapGrowth` sets (`=0` turns it off again: V8 picks the factor itself). */
export const HEAP_GROWING_FLAG = 'heap-growing-percent'

/** The V8 heap growing percentage `steadyHeapGrowth` sets: the next full collection when the heap has doubled. */
export const HEAP_GROWING_PERCENT = 100

/**
 * Makes V8 start its next full collection when the heap (with ArrayBuffers, under `countBuffersInHeapLimit`) has
 * doubled since the last one (`--heap-growing-percent=100`, as Go's GOGC=100 does for Kubo), instead of the factor V8
 * picks from how its last collections went: 1.1–1.3 for a daemon's ~35 MB heap after a quiet spell (measured with
 * `--trace-incremental-marking`), so ~15 MB of blocks in flight started a full collection. A daemon sending a file
 * after a few idle seconds ran 4–8 of them per 128 MiB, each marking the whole heap, and used 0.42–0.9 s of CPU per
 * 128 MiB; with this setting 0–1 and 0.21–0.31 s (two daemons, `ipfrs cat` on the other through its API). The price
 * is memory while busy (the heap may double before a collection); an idle daemon's RSS does not change, since the
 * idle collection still compacts what is live.
 *
 * Process-wide, like `countBuffersInHeapLimit`: `ipfrs daemon` applies both to its process.
 */
export function steadyHeapGrowth(): void {
  setFlagsFromString(`--${HEAP_GROWING_FLAG}=${HEAP_GROWING_PERCENT}`)
}
