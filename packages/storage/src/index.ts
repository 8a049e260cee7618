/**
 * @ipfrs/storage: the IPFRS repo. A sharded file blockstore with compression and encryption layers, a LevelDB
 * datastore, pins, garbage collection and verification. Imports only @ipfrs/core.
 */
export { blockKeyOfFile, isBlockTempFile, listBlockKeys, removeBlockTempFiles } from './block-files.js'
export { type BytesInput, collectBytes } from './bytes.js'
export {
  CompressionBlockstore,
  type CompressionOptions,
  compressFrame,
  DEFAULT_MAX_BLOCK_SIZE,
  decompressFrame,
  detectFrame,
  type FrameKind,
  MAGIC,
} from './compression.js'
export { blockKey, type WalkOptions, walkDag } from './dag-walk.js'
export {
  createEncryption,
  DEFAULT_SCRYPT,
  deriveKey,
  ENCRYPTION_MAGIC,
  EncryptedBlockstore,
  type EncryptionOptions,
  type KeyCheckRecord,
  open as openSealed,
  type ScryptParams,
  seal,
  unlockEncryption,
} from './encryption.js'
export {
  BlockNotFoundError,
  BlockPinnedError,
  CorruptFrameError,
  CorruptPinError,
  DecryptionError,
  IdentityMismatchError,
  NotPinnedError,
  PassphraseRequiredError,
  RepoExistsError,
  RepoLockedError,
  RepoNotInitializedError,
  WrongKeyError,
} from './errors.js'
export { type GcInit, type GcOptions, type GcResult, OrphanGarbageCollector } from './gc.js'
export { GcLock } from './gc-lock.js'
export { GuardedBlockstore } from './guarded-blockstore.js'
export { createIdentity, type Identity, loadIdentity, publicKeyOfPeerId } from './keystore.js'
export { LOCK_FILE, RepoLock } from './lock.js'
export {
  InvalidKeyError,
  InvalidKeyNameError,
  KeyExistsError,
  type KeyInfo,
  KeyNotFoundError,
  NamedKeys,
  SELF,
} from './named-keys.js'
export { GC_ROOTS_PREFIX, type Pin, Pins, type PinType } from './pins.js'
export {
  type ConfigOverrides,
  parseSize,
  REPO_VERSION,
  Repo,
  type RepoInitOptions,
  type RepoOpenOptions,
  type RepoStat,
} from './repo.js'
export { defaultRepoPath } from './repo-path.js'
export { TransformBlockstore } from './transform-blockstore.js'
export { type VerifyProblem, type VerifyProgressEvents, type VerifyResult, verifyBlocks } from './verify.js'
