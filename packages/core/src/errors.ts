/**
 * The error base class of every IPFRS package. Each error carries a stable `code` (never reworded once
 * released), an optional `cause`, and a `name` equal to its class name so logs stay readable.
 */
export class IpfrsError extends Error {
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** A CID string or byte array that does not parse. */
export class InvalidCidError extends IpfrsError {
  static readonly code = 'ERR_INVALID_CID'
  constructor(input: string, options?: { cause?: unknown }) {
    super(InvalidCidError.code, `invalid CID "${truncate(input)}"`, options)
  }
}

/** A block codec the node does not know. */
export class UnsupportedCodecError extends IpfrsError {
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
  static readonly code = 'ERR_BLOCK_DECODE'
  constructor(cid: string, options?: { cause?: unknown }) {
    super(BlockDecodeError.code, `block ${cid} does not decode: ${describeCause(options?.cause)}`, options)
  }
}

/** A configuration value that fails validation; `field` names the dotted key path, e.g. `Addresses.Swarm[1]`. */
export class InvalidConfigError extends IpfrsError {
  static readonly code = 'ERR_INVALID_CONFIG'
  readonly field: string
  constructor(field: string, problem: string) {
    super(InvalidConfigError.code, `invalid config ${field}: ${problem}`)
    this.field = field
  }
}

/** A tensor description that is inconsistent (unknown dtype, negative dimension, byte length mismatch). */
export class InvalidTensorError extends IpfrsError {
  static readonly code = 'ERR_INVALID_TENSOR'
  constructor(problem: string) {
    super(InvalidTensorError.code, `invalid tensor: ${problem}`)
  }
}

/** Whether `err` is an IpfrsError with the given code (works across package copies, unlike instanceof). */
export function isIpfrsError(err: unknown, code?: string): err is IpfrsError {
  return (
    err instanceof Error &&
    typeof (err as { code?: unknown }).code === 'string' &&
    (code === undefined || (err as IpfrsError).code === code)
  )
}

function truncate(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max)}…` : s
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}
