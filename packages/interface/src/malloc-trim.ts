import { createRequire } from 'node:module'

/**
 * glibc's `malloc_trim(0)`, through koffi (a foreign-function interface with prebuilt binaries): hands the free pages
 * inside malloc's heaps back to the system. Under load the daemon mallocs and frees many small native buffers (array
 * buffer stores, HTTP parsing, LevelDB); once they are freed the pages between the ones still in use stay with the
 * process, since glibc only gives back the top of a heap on its own. Measured on a daemon after the soak's rounds
 * and a minute of idling: RSS 156 MiB, 123 after one call (113 at start). The call costs about 0.15 ms per MiB it
 * hands back (16 ms for 115 MiB), once per quiet period.
 *
 * Undefined where there is no glibc to ask (macOS, Windows, musl) or koffi cannot load: nothing is trimmed there.
 */
export function mallocTrimmer(): (() => void) | undefined {
  if (process.platform !== 'linux') return undefined
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi')
    const trim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as (pad: number) => number
    return () => {
      trim(0)
    }
  } catch {
    return undefined
  }
}
