/**
 * Bytes in and out per second over the last 10 minutes, sampled from libp2p's own transfer counter
 * (`libp2p_data_transfer_bytes_total{protocol="global received|global sent"}`) in the daemon's metrics registry.
 * What `stats/bw` answers and the web UI's bandwidth chart draws.
 */
import type { Registry } from 'prom-client'

/** How far back the history goes. */
export const BANDWIDTH_WINDOW_MS = 10 * 60_000

const COUNTER = 'libp2p_data_transfer_bytes_total'

/** One sample: bytes per second over the interval ending at `time` (ms since the epoch). */
export interface BandwidthSample {
  time: number
  rateIn: number
  rateOut: number
}

/** Totals since the daemon started, the latest rates, and the samples of the window (oldest first). */
export interface BandwidthReport {
  totalIn: number
  totalOut: number
  rateIn: number
  rateOut: number
  history: readonly BandwidthSample[]
}

/** A ring of per-interval rates; the timer is unref'd and reads two counter values, so an idle daemon stays idle. */
export class BandwidthHistory {
  readonly #registry: Registry
  #intervalMs = 1000
  readonly #samples: BandwidthSample[] = []
  #timer: NodeJS.Timeout | undefined
  #last: { time: number; in: number; out: number } | undefined
  #sampling: Promise<void> | undefined

  constructor(registry: Registry) {
    this.#registry = registry
  }

  /** Samples every `intervalMs` (default 1 s) until stopped. */
  start(intervalMs = 1000): void {
    if (this.#timer != null) return
    this.#intervalMs = intervalMs
    void this.sample()
    this.#timer = setInterval(() => void this.sample(), this.#intervalMs)
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** Reads the counters once and appends the rate since the previous reading. */
  sample(): Promise<void> {
    this.#sampling ??= this.#read().finally(() => {
      this.#sampling = undefined
    })
    return this.#sampling
  }

  async #read(): Promise<void> {
    const totals = await this.#totals()
    const now = Date.now()
    const last = this.#last
    this.#last = { time: now, in: totals.in, out: totals.out }
    if (last == null || now <= last.time) return
    const seconds = (now - last.time) / 1000
    this.#samples.push({
      time: now,
      rateIn: Math.max(0, (totals.in - last.in) / seconds),
      rateOut: Math.max(0, (totals.out - last.out) / seconds),
    })
    while (this.#samples.length > 0 && (this.#samples[0]?.time ?? now) < now - BANDWIDTH_WINDOW_MS)
      this.#samples.shift()
  }

  async #totals(): Promise<{ in: number; out: number }> {
    const metric = this.#registry.getSingleMetric(COUNTER)
    if (metric == null) return { in: 0, out: 0 } // offline node, or libp2p without metrics: nothing moved
    const { values } = await metric.get()
    const of = (label: string) => values.find((v) => v.labels.protocol === label)?.value ?? 0
    return { in: of('global received'), out: of('global sent') }
  }

  /** The current totals and rates (a fresh reading when the last is older than one interval) and the window. */
  async report(): Promise<BandwidthReport> {
    if (this.#last == null || Date.now() - this.#last.time >= this.#intervalMs) await this.sample()
    const latest = this.#samples.at(-1)
    return {
      totalIn: this.#last?.in ?? 0,
      totalOut: this.#last?.out ?? 0,
      rateIn: latest?.rateIn ?? 0,
      rateOut: latest?.rateOut ?? 0,
      history: [...this.#samples],
    }
  }
}
