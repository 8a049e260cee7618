import { IpfrsError } from '@ipfrs/core'

/** Shared with other packages, defined once in @ipfrs/core. */
export { BlockNotFoundError, NotPinnedError } from '@ipfrs/core'

/** No repo at the path (run `ipfrs init`). */
export class RepoNotInitializedError extends IpfrsError {
  static override readonly httpStatus = 500
  static readonly code = 'ERR_REPO_NOT_INITIALIZED'
  constructor(path: string) {
    super(RepoNotInitializedError.code, `no IPFRS repo at ${path} (run "ipfrs init")`)
  }
}

/** `init` on a path that already holds a repo. */
export class RepoExistsError extends IpfrsError {
  static override readonly httpStatus = 409
  static readonly code = 'ERR_REPO_EXISTS'
  constructor(path: string) {
    super(RepoExistsError.code, `an IPFRS repo already exists at ${path}`)
  }
}

/** Another live process holds the repo for writing. */
export class RepoLockedError extends IpfrsError {
  static override readonly httpStatus = 409
  static readonly code = 'ERR_REPO_LOCKED'
  readonly pid: number
  constructor(path: string, pid: number) {
    super(
      RepoLockedError.code,
      `the repo at ${path} is in use by process ${pid} (is a daemon running? stop it or use its API)`,
    )
    this.pid = pid
  }
}

/** A pinned block cannot be removed. */
export class BlockPinnedError extends IpfrsError {
  static override readonly httpStatus = 409
  static readonly code = 'ERR_BLOCK_PINNED'
  constructor(cid: string, how: string) {
    super(BlockPinnedError.code, `block ${cid} is pinned (${how}); unpin it first`)
  }
}

/** Stored bytes that do not parse as a compression frame (truncated, or an unknown magic). */
export class CorruptFrameError extends IpfrsError {
  static readonly code = 'ERR_CORRUPT_FRAME'
  constructor(problem: string, options?: { cause?: unknown }) {
    super(CorruptFrameError.code, `corrupt stored block: ${problem}`, options)
  }
}

/** Decryption failed: the key is wrong (checked against the repo's key check) or a block was tampered with. */
export class DecryptionError extends IpfrsError {
  static readonly code = 'ERR_DECRYPTION_FAILED'
  constructor(problem: string, options?: { cause?: unknown }) {
    super(DecryptionError.code, problem, options)
  }
}

/** The passphrase does not match the one the repo was encrypted with. */
export class WrongKeyError extends IpfrsError {
  static override readonly httpStatus = 401
  static readonly code = 'ERR_WRONG_KEY'
  constructor() {
    super(WrongKeyError.code, 'wrong passphrase for this repo (the key check failed; nothing was read or written)')
  }
}

/** An encrypted repo opened with no passphrase. */
export class PassphraseRequiredError extends IpfrsError {
  static override readonly httpStatus = 401
  static readonly code = 'ERR_PASSPHRASE_REQUIRED'
  constructor() {
    super(PassphraseRequiredError.code, 'this repo is encrypted: set IPFRS_PASSPHRASE (or pass a passphrase)')
  }
}

/** A pin record in the datastore that does not decode (never guessed at: `repo verify` reports it). */
export class CorruptPinError extends IpfrsError {
  static readonly code = 'ERR_CORRUPT_PIN'
  constructor(options?: { cause?: unknown }) {
    super(CorruptPinError.code, 'a pin record in the datastore is corrupt', options)
  }
}

/** The keystore's key is not the one the config's `Identity.PeerID` names (one of the two was replaced by hand). */
export class IdentityMismatchError extends IpfrsError {
  static override readonly httpStatus = 500
  static readonly code = 'ERR_IDENTITY_MISMATCH'
  constructor(configured: string, key: string) {
    super(
      IdentityMismatchError.code,
      `the private key in keystore/self is ${key}'s, but the config's Identity.PeerID is ${configured}: restore one of them`,
    )
  }
}
