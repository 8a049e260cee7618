/**
 * Subsystem health for `GET /health`, and the supervisor that restarts a failed subsystem with backoff.
 */

export type HealthStatus = 'ok' | 'degraded' | 'down'

/** The five categories `/health` always reports. */
export const HEALTH_CATEGORIES = ['storage', 'network', 'dht', 'semantic', 'tensorlogic'] as const
export type HealthCategory = (typeof HEALTH_CATEGORIES)[number]

export interface HealthReport {
  status: HealthStatus
  details: Record<string, unknown>
}

/** A subsystem the daemon watches: how to check it, and (optionally) how to bring it back. */
export interface Subsystem {
  readonly name: HealthCategory
  check(): Promise<HealthReport>
  /** Restarts the subsystem after a failed check; absent when there is nothing to restart. */
  restart?(): Promise<void>
}

interface State {
  report: HealthReport
  failures: number
  nextAttempt: number
  restarts: number
  lastError?: string
}

const BACKOFF_BASE_MS = 1000
const BACKOFF_MAX_MS = 5 * 60_000

/**
 * Polls every subsystem on an interval. A subsystem whose check says `down` is restarted, with exponential backoff
 * between attempts (1 s, 2 s, 4 s, … up to 5 min); while it is being restarted it reports `degraded` with the attempt
 * count, and once a check passes again the backoff resets.
 */
export class HealthSupervisor {
  readonly #subsystems: Subsystem[]
  readonly #state = new Map<HealthCategory, State>()
  readonly #intervalMs: number
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined

  constructor(subsystems: Subsystem[], options: { intervalMs: number }) {
    this.#subsystems = subsystems
    this.#intervalMs = options.intervalMs
  }

  start(): void {
    if (this.#timer != null) return
    this.#timer = setInterval(() => void this.poll(), this.#intervalMs)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running
  }

  /** Checks every subsystem now (restarting those that are down and due); resolves when done. */
  poll(): Promise<void> {
    this.#running ??= this.#pollAll().finally(() => {
      this.#running = undefined
    })
    return this.#running
  }

  async #pollAll(): Promise<void> {
    await Promise.all(this.#subsystems.map((s) => this.#pollOne(s)))
  }

  async #pollOne(subsystem: Subsystem): Promise<void> {
    const report = await safeCheck(subsystem)
    const state = this.#state.get(subsystem.name) ?? { report, failures: 0, nextAttempt: 0, restarts: 0 }
    state.report = report
    if (report.status !== 'down') {
      state.failures = 0
      state.nextAttempt = 0
    } else if (subsystem.restart != null && Date.now() >= state.nextAttempt) {
      state.failures++
      state.nextAttempt = Date.now() + Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (state.failures - 1))
      try {
        await subsystem.restart()
        state.restarts++
        state.report = await safeCheck(subsystem)
      } catch (err) {
        state.lastError = err instanceof Error ? err.message : String(err)
      }
      if (state.report.status === 'down') {
        state.report = {
          status: 'degraded',
          details: { ...state.report.details, recovering: true, attempts: state.failures, lastError: state.lastError },
        }
      }
    }
    this.#state.set(subsystem.name, state)
  }

  /** The latest report of every category (checked now if never checked), and whether all are ok. */
  async report(): Promise<{ healthy: boolean; status: HealthStatus; checks: Record<string, HealthReport> }> {
    if (this.#subsystems.some((s) => !this.#state.has(s.name))) await this.poll()
    const checks: Record<string, HealthReport> = {}
    for (const name of HEALTH_CATEGORIES) {
      const state = this.#state.get(name)
      checks[name] =
        state == null
          ? { status: 'down', details: { reason: 'not provided by this node' } }
          : { ...state.report, details: { ...state.report.details, restarts: state.restarts } }
    }
    const statuses = Object.values(checks).map((c) => c.status)
    const status: HealthStatus = statuses.every((s) => s === 'ok')
      ? 'ok'
      : statuses.includes('down')
        ? 'down'
        : 'degraded'
    return { healthy: status === 'ok', status, checks }
  }
}

async function safeCheck(subsystem: Subsystem): Promise<HealthReport> {
  try {
    return await subsystem.check()
  } catch (err) {
    return { status: 'down', details: { error: err instanceof Error ? err.message : String(err) } }
  }
}
