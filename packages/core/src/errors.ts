/** Marks our errors so `isIpfrsError` recognises them across copies of this package (Symbol.for is realm-wide). */
const IPFRS_ERROR = Symbol.for('@ipfrs/core/error')

/**
 * The error base class of every IPFRS package. Each error carries a stable `code` (never reworded once
 * released), an optional `cause`, a `name` equal to its class name so logs stay readable, and the HTTP status an API
 * answers it with (`httpStatus`). The status is a property of the class: a subclass sets `static httpStatus` (4xx when
 * the caller is at fault, 5xx otherwise) and every instance copies it, so a new error class is a 500 until its author
 * says otherwise, never by omission from some list elsewhere.
 */
export class IpfrsError extends Error {
  /** The HTTP status of this class of failure; 500 (our fault) unless a subclass says the caller is at fault. */
  static readonly httpStatus: number = 500
  readonly code: string
  /** The HTTP status an API answers this error with (the class's `httpStatus`). */
  readonly httpStatus: number

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
    this.httpStatus = (new.target as typeof IpfrsError).httpStatus
    Object.defineProperty(this, IPFRS_ERROR, { value: true })
  }
}

/** A CID string or byte array that does not parse. */
export class InvalidCidError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_CID'
  constructor(input: string, options?: { cause?: unknown }) {
    super(InvalidCidError.code, `invalid CID "${truncate(input)}"`, options)
  }
}

/** A block codec the node does not know. */
export class UnsupportedCodecError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_UNSUPPORTED_CODEC'
  constructor(codec: number | string) {
    super(
      UnsupportedCodecError.code,
      `unsupported codec ${typeof codec === 'number' ? `0x${codec.toString(16)}` : codec}`,
    )
  }
}

/** A multihash function the node cannot compute. */
export class UnsupportedHashError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_UNSUPPORTED_HASH'
  constructor(hashCode: number) {
    super(UnsupportedHashError.code, `unsupported multihash function 0x${hashCode.toString(16)}`)
  }
}

/** Block bytes whose hash does not match their CID: truncated, corrupt, or forged. */
export class BlockHashMismatchError extends IpfrsError {
  static readonly code = 'ERR_BLOCK_HASH_MISMATCH'
  constructor(cid: string) {
    super(BlockHashMismatchError.code, `block bytes do not hash to ${cid}`)
  }
}

/** Block bytes that do not decode with their CID's codec. */
export class BlockDecodeError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_BLOCK_DECODE'
  constructor(cid: string, options?: { cause?: unknown }) {
    super(BlockDecodeError.code, `block ${cid} does not decode: ${describeCause(options?.cause)}`, options)
  }
}

/** A configuration value that fails validation; `field` names the dotted key path, e.g. `Addresses.Swarm[1]`. */
export class InvalidConfigError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_CONFIG'
  readonly field: string
  constructor(field: string, problem: string) {
    super(InvalidConfigError.code, `invalid config ${field}: ${problem}`)
    this.field = field
  }
}

/** A tensor description that is inconsistent (unknown dtype, negative dimension, byte length mismatch). */
export class InvalidTensorError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_TENSOR'
  constructor(problem: string) {
    super(InvalidTensorError.code, `invalid tensor: ${problem}`)
  }
}

/** A block the store does not have (and, where the network was asked, could not be fetched). */
export class BlockNotFoundError extends IpfrsError {
  static readonly code = 'ERR_BLOCK_NOT_FOUND'
  static override readonly httpStatus = 404
  readonly cid: string
  constructor(cid: string, options?: { cause?: unknown }) {
    super(BlockNotFoundError.code, `block ${cid} not found`, options)
    this.cid = cid
  }
}

/** `pin rm` / `pin ls` of something that is not pinned that way. */
export class NotPinnedError extends IpfrsError {
  static readonly code = 'ERR_NOT_PINNED'
  static override readonly httpStatus = 400
  /** `message` replaces the default text (the RPC's `pin/rm` answers Kubo's exact words, which clients compare). */
  constructor(cid: string, message = `${cid} is not pinned`) {
    super(NotPinnedError.code, message)
  }
}

/**
 * A directory entry name that is not one plain path segment (empty, `.`, `..`, or holding `/`, a backslash or NUL): refused
 * when adding (nothing is stored) and when writing a DAG out to disk (it would escape the output directory).
 */
export class UnsafePathError extends IpfrsError {
  static readonly code = 'ERR_UNSAFE_PATH'
  static override readonly httpStatus = 400
  constructor(name: string, context?: string) {
    super(
      UnsafePathError.code,
      `refusing unsafe directory entry name ${JSON.stringify(name)}${context ? ` in ${context}` : ''}`,
    )
  }
}

/** Whether `name` is one plain path segment: not empty, `.` or `..`, and free of `/`, backslash and NUL. */
export function isSafeEntryName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name)
}

/**
 * Checks the path of an entry to add (`dir/sub/file.txt`): every segment must be a safe entry name
 * (`isSafeEntryName`). One leading and one trailing `/` are allowed (clients send both); an empty segment inside the
 * path (`a//b`) is an empty name and refused. Throws `UnsafePathError`, so nothing with such a name is ever stored.
 */
export function checkEntryPath(path: string): void {
  const inner = path.replace(/^\//, '').replace(/\/$/, '')
  if (inner === '') {
    if (path === '') return // bare content without a name (add of bytes or stdin)
    throw new UnsafePathError(path)
  }
  for (const segment of inner.split('/')) if (!isSafeEntryName(segment)) throw new UnsafePathError(segment, path)
}

/** A call made before `start()` or after `stop()`; `what` names the component (the node, the semantic store ...). */
export class NotStartedError extends IpfrsError {
  static readonly code = 'ERR_NOT_STARTED'
  static override readonly httpStatus = 503
  constructor(what = 'the node', hint?: string) {
    super(NotStartedError.code, `${what} is not started${hint ? `: ${hint}` : ''}`)
  }
}

/** A parameter or option of an API call that is missing, of the wrong type or out of range; `parameter` names it. */
export class InvalidParameterError extends IpfrsError {
  static readonly code = 'ERR_INVALID_PARAMETER'
  static override readonly httpStatus = 400
  readonly parameter: string
  constructor(parameter: string, problem: string) {
    super(InvalidParameterError.code, `invalid ${parameter}: ${problem}`)
    this.parameter = parameter
  }
}

/**
 * The disk (or the quota) is full: a write failed with `ENOSPC` / `EDQUOT`. Nothing half-written is kept; once space
 * is freed the same operation succeeds. HTTP 507 (Insufficient Storage).
 */
export class DiskFullError extends IpfrsError {
  static readonly code = 'ERR_DISK_FULL'
  static override readonly httpStatus = 507
  constructor(what: string, options?: { cause?: unknown }) {
    super(DiskFullError.code, `no space left on the device while ${what}`, options)
  }
}

/**
 * Whether `err` is the OS saying the disk or the quota is full (`ENOSPC`, `EDQUOT`), itself or anywhere in its `cause`
 * chain. The stores under the repo wrap it (blockstore-fs and datastore-level throw `PutFailedError(String(err))`, which
 * keeps only the message; LevelDB says "No space left on device"), so the message is checked too.
 */
export function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e != null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (isIpfrsError(e)) return e.code === DiskFullError.code
    const code = (e as { code?: unknown }).code
    if (code === 'ENOSPC' || code === 'EDQUOT') return true
    const message = e instanceof Error ? e.message : typeof e === 'string' ? e : ''
    if (/\bENOSPC\b|\bEDQUOT\b|no space left on device|disk quota exceeded/i.test(message)) return true
  }
  return false
}

/**
 * `err` as a `DiskFullError` when it is (or wraps) `ENOSPC` / `EDQUOT`, otherwise `err` unchanged: for
 * `catch (err) { throw diskFullOr(err, 'writing a block') }`.
 */
export function diskFullOr(err: unknown, what: string): unknown {
  if (isIpfrsError(err)) return err
  return isDiskFull(err) ? new DiskFullError(what, { cause: err }) : err
}

/**
 * A failure on our side whose details stay local: sent to a peer (or a client) in place of a local error, which may
 * name files, paths or OS conditions that are none of the remote's business. The local error is its `cause`.
 */
export class InternalError extends IpfrsError {
  static readonly code = 'ERR_INTERNAL'
  constructor(options?: { cause?: unknown }) {
    super(InternalError.code, 'internal error', options)
  }
}

/** A network operation with no peer connected to ask: the node is offline. */
export class OfflineError extends IpfrsError {
  static override readonly httpStatus = 504
  static readonly code = 'ERR_OFFLINE'
  /** `verb` (default "fetch") and `what` say what could not be done, `reason` why no peer is there. */
  constructor(what: string, options?: { verb?: string; reason?: string }) {
    const verb = options?.verb ?? 'fetch'
    super(
      OfflineError.code,
      `cannot ${verb === '' ? '' : `${verb} `}${what}: no peers are connected${options?.reason === undefined ? ' (the node is offline)' : `; ${options.reason}`}`,
    )
  }
}

/**
 * Whether `err` is one of our errors (any `IpfrsError` subclass, from any copy of @ipfrs/core), optionally with the
 * given code. A Node system error (`ENOENT`, `ENOSPC`, ...) has a string `code` too and is not one of ours.
 */
export function isIpfrsError(err: unknown, code?: string): err is IpfrsError {
  return (
    err instanceof Error &&
    (err as unknown as Record<symbol, unknown>)[IPFRS_ERROR] === true &&
    (code === undefined || (err as IpfrsError).code === code)
  )
}

/**
 * The HTTP status for any thrown value: an IpfrsError's own `httpStatus`; 507 for a full disk that reached here
 * untranslated; 500 for anything else.
 */
export function httpStatusOf(err: unknown): number {
  if (!isIpfrsError(err)) return isDiskFull(err) ? DiskFullError.httpStatus : 500
  const status = (err as { httpStatus?: unknown }).httpStatus
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500
}

function truncate(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max)}…` : s
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}

/** A path inside a DAG that does not exist (`<cid>/no/such/file`, or a path below a file). */
export class PathNotFoundError extends IpfrsError {
  static override readonly httpStatus = 404
  static readonly code = 'ERR_PATH_NOT_FOUND'
  constructor(path: string, options?: { cause?: unknown }) {
    super(PathNotFoundError.code, `no such path: ${path}`, options)
  }
}
