import { IpfrsError } from '@ipfrs/core/errors'

/** The daemon's API did not answer (not running, wrong address, or it died). */
export class ApiUnreachableError extends IpfrsError {
  static readonly code = 'ERR_API_UNREACHABLE'
  static override readonly httpStatus = 502
  constructor(url: string, options?: { cause?: unknown }) {
    super(ApiUnreachableError.code, `the daemon's API at ${url} did not answer`, options)
  }
}

/** The daemon's response broke off or held no result. */
export class ApiStreamError extends IpfrsError {
  static readonly code = 'ERR_API_STREAM'
  static override readonly httpStatus = 502
  constructor(problem: string, options?: { cause?: unknown }) {
    super(ApiStreamError.code, problem, options)
  }
}

/**
 * An error the daemon answered with, rebuilt on the client: `code` is the one the daemon sent (X-Ipfrs-Error-Code,
 * or `ERR_HTTP_<status>` without one) and `httpStatus` the response's status, so the CLI reports what the daemon said.
 */
export class DaemonError extends IpfrsError {
  static readonly code = 'ERR_DAEMON'
  override readonly httpStatus: number
  constructor(code: string | null, status: number, message: string) {
    super(code ?? `ERR_HTTP_${status}`, message)
    this.httpStatus = status
  }
}

/** The daemon's error answer (Kubo's `{Message}` body, the code it sent in X-Ipfrs-Error-Code) as a DaemonError. */
export function daemonError(status: number, code: string | string[] | undefined, text: string): DaemonError {
  let message = text.trim()
  try {
    message = (JSON.parse(text) as { Message?: string }).Message ?? message
  } catch {}
  return new DaemonError(typeof code === 'string' ? code : null, status, message)
}

/** The daemon could not remove a block (`block rm` reports it per block). */
export class BlockRemoveError extends IpfrsError {
  static readonly code = 'ERR_BLOCK_RM'
  constructor(problem: string) {
    super(BlockRemoveError.code, problem)
  }
}

/** A command that needs the repo to itself (or a second `daemon start`) while a daemon runs on it. */
export class DaemonRunningError extends IpfrsError {
  static readonly code = 'ERR_DAEMON_RUNNING'
  static override readonly httpStatus = 409
  constructor(problem: string) {
    super(DaemonRunningError.code, problem)
  }
}

/** `daemon start` whose daemon exited or did not answer before it was ready. */
export class DaemonStartError extends IpfrsError {
  static readonly code = 'ERR_DAEMON_FAILED'
  constructor(problem: string) {
    super(DaemonStartError.code, problem)
  }
}

/** `daemon stop` (or a command that acts through the daemon, e.g. `bootstrap`) with no daemon running on the repo. */
export class DaemonNotRunningError extends IpfrsError {
  static readonly code = 'ERR_DAEMON_NOT_RUNNING'
  static override readonly httpStatus = 409
  /** `hint`: what to do about it, appended to the message. */
  constructor(hint?: string) {
    super(DaemonNotRunningError.code, `no daemon is running on this repo${hint != null ? `: ${hint}` : ''}`)
  }
}

/** `daemon stop` whose daemon did not exit in time. */
export class DaemonStopTimeoutError extends IpfrsError {
  static readonly code = 'ERR_DAEMON_STOP_TIMEOUT'
  static override readonly httpStatus = 504
  constructor(pid: number, seconds: number) {
    super(DaemonStopTimeoutError.code, `the daemon (PID ${pid}) did not stop within ${seconds} s`)
  }
}

/** A routing command (`routing findprovs`, `routing provide`) that ran past its `--timeout`. */
export class RoutingTimeoutError extends IpfrsError {
  static readonly code = 'ERR_TIMEOUT'
  static override readonly httpStatus = 504
  constructor(problem: string, options?: { cause?: unknown }) {
    super(RoutingTimeoutError.code, problem, options)
  }
}
