import { IpfrsError } from '@ipfrs/core'

/** No repo at the path (run `ipfrs init`). */
export class RepoNotInitializedError extends IpfrsError {
  static readonly code = 'ERR_REPO_NOT_INITIALIZED'
  constructor(path: string) {
    super(RepoNotInitializedError.code, `no IPFRS repo at ${path} (run "ipfrs init")`)
  }
}

/** `init` on a path that already holds a repo. */
export class RepoExistsError extends IpfrsError {
  static readonly code = 'ERR_REPO_EXISTS'
  constructor(path: string) {
    super(RepoExistsError.code, `an IPFRS repo already exists at ${path}`)
  }
}

/** Another live process holds the repo for writing. */
export class RepoLockedError extends IpfrsError {
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

/** A block the store does not have. */
export class BlockNotFoundError extends IpfrsError {
  static readonly code = 'ERR_BLOCK_NOT_FOUND'
  constructor(cid: string) {
    super(BlockNotFoundError.code, `block ${cid} not found`)
  }
}

/** A pinned block cannot be removed. */
export class BlockPinnedError extends IpfrsError {
  static readonly code = 'ERR_BLOCK_PINNED'
  constructor(cid: string, how: string) {
    super(BlockPinnedError.code, `block ${cid} is pinned (${how}); unpin it first`)
  }
}

/** `pin rm` of something that is not pinned that way. */
export class NotPinnedError extends IpfrsError {
  static readonly code = 'ERR_NOT_PINNED'
  constructor(cid: string) {
    super(NotPinnedError.code, `${cid} is not pinned`)
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
  static readonly code = 'ERR_WRONG_KEY'
  constructor() {
    super(WrongKeyError.code, 'wrong passphrase for this repo (the key check failed; nothing was read or written)')
  }
}

/** An encrypted repo opened with no passphrase. */
export class PassphraseRequiredError extends IpfrsError {
  static readonly code = 'ERR_PASSPHRASE_REQUIRED'
  constructor() {
    super(PassphraseRequiredError.code, 'this repo is encrypted: set IPFRS_PASSPHRASE (or pass a passphrase)')
  }
}
