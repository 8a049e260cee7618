import { createRequire } from 'node:module'
import type { SingleBar } from 'cli-progress'

// cli-progress is loaded only when a bar is drawn (a transfer over 10 MB): most commands never draw one
const require = createRequire(import.meta.url)

/** Sizes above this get a progress bar. */
export const PROGRESS_THRESHOLD = 10 * 1000 * 1000

export interface Progress {
  update(bytes: number): void
  stop(): void
}

const silent: Progress = { update() {}, stop() {} }

/**
 * A progress bar on stderr for transfers of `total` bytes: shown only above 10 MB, when stderr is a terminal and the
 * user did not ask for quiet output.
 */
export function progressBar(
  label: string,
  total: number | undefined,
  options: { quiet?: boolean; force?: boolean } = {},
): Progress {
  if (options.quiet === true || total === undefined || total <= PROGRESS_THRESHOLD) return silent
  if (options.force !== true && process.stderr.isTTY !== true) return silent
  const { SingleBar: Bar } = require('cli-progress') as { SingleBar: typeof SingleBar }
  const bar = new Bar({
    stream: process.stderr,
    format: `${label} [{bar}] {percentage}% | {value_mb}/{total_mb} MiB | {speed} MiB/s`,
    hideCursor: true,
    clearOnComplete: true,
    // --progress on a pipe: print a line now and then instead of redrawing one
    noTTYOutput: options.force === true,
    notTTYSchedule: 250,
  })
  const started = Date.now()
  const mb = (n: number) => (n / 2 ** 20).toFixed(1)
  bar.start(total, 0, { value_mb: '0.0', total_mb: mb(total), speed: '0.0' })
  return {
    update(bytes: number) {
      const seconds = Math.max((Date.now() - started) / 1000, 0.001)
      bar.update(bytes, { value_mb: mb(bytes), total_mb: mb(total), speed: (bytes / 2 ** 20 / seconds).toFixed(1) })
    },
    stop() {
      bar.stop()
    },
  }
}
