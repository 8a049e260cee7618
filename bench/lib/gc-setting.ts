// The V8 setting `ipfrs daemon` applies to its process (countBuffersInHeapLimit in @ipfrs/core), for the benches'
// reference runs: switched on in this process for one run, off again after, so the other runs keep Node's defaults.

import { setFlagsFromString } from 'node:v8'
import { BUFFERS_IN_HEAP_LIMIT_FLAG, countBuffersInHeapLimit } from '@ipfrs/core'

/** The flag's name, for the reports. */
export const DAEMON_GC_FLAG = BUFFERS_IN_HEAP_LIMIT_FLAG

/** Runs `run` with the daemon's V8 setting on in this process, and turns it off again when `run` settles. */
export async function withDaemonGcSetting<T>(run: () => Promise<T>): Promise<T> {
  countBuffersInHeapLimit()
  try {
    return await run()
  } finally {
    setFlagsFromString(`--no-${DAEMON_GC_FLAG}`)
  }
}
