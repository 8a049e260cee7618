// The V8 settings `ipfrs daemon` applies to its process (countBuffersInHeapLimit and steadyHeapGrowth in @ipfrs/core),
// for the benches' reference runs: switched on in this process for one run, off again after, so the other runs keep
// Node's defaults.

import { setFlagsFromString } from 'node:v8'
import {
  BUFFERS_IN_HEAP_LIMIT_FLAG,
  countBuffersInHeapLimit,
  HEAP_GROWING_FLAG,
  HEAP_GROWING_PERCENT,
  steadyHeapGrowth,
} from '@ipfrs/core'

/** The flags, as they would be written on Node's command line, for the reports. */
export const DAEMON_GC_FLAGS = `--${BUFFERS_IN_HEAP_LIMIT_FLAG} --${HEAP_GROWING_FLAG}=${HEAP_GROWING_PERCENT}`

/** Runs `run` with the daemon's V8 settings on in this process, and turns them off again when `run` settles. */
export async function withDaemonGcSetting<T>(run: () => Promise<T>): Promise<T> {
  countBuffersInHeapLimit()
  steadyHeapGrowth()
  try {
    return await run()
  } finally {
    setFlagsFromString(`--no-${BUFFERS_IN_HEAP_LIMIT_FLAG}`)
    setFlagsFromString(`--${HEAP_GROWING_FLAG}=0`) // 0: V8 picks the factor again
  }
}
