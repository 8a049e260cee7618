/**
 * @ipfrs/core: what every IPFRS package shares. CIDs and codecs, the Block type, hashing, typed errors,
 * the node config schema and tensor types, and the V8 setting for processes that move blocks. Imports no other
 * @ipfrs package.
 */
export { type Block, decodeBlock, encodeBlock, verifiedBlock } from './block.js'
export { concatBytes } from './bytes.js'
export { CID, type CidBase, formatCid, parseCid, sameMultihash } from './cid.js'
export { blockLinks, CODEC_CODES, CODECS, type Codec, type CodecName, codecName, getCodec } from './codecs.js'
export { mapLimit } from './concurrency.js'
export {
  COMPRESSION_ALGORITHMS,
  type CompressionAlgorithm,
  chunkerSize,
  defaultConfig,
  ENCRYPTION_ALGORITHMS,
  type EncryptionAlgorithm,
  getConfigKey,
  type LocalConfigOptions,
  localConfig,
  type NodeConfig,
  setConfigKey,
  validateConfig,
} from './config.js'
export {
  BlockDecodeError,
  BlockHashMismatchError,
  BlockNotFoundError,
  checkEntryPath,
  DiskFullError,
  diskFullOr,
  httpStatusOf,
  InternalError,
  InvalidCidError,
  InvalidConfigError,
  InvalidParameterError,
  InvalidTensorError,
  IpfrsError,
  isDiskFull,
  isIpfrsError,
  isSafeEntryName,
  NotPinnedError,
  NotStartedError,
  OfflineError,
  PathNotFoundError,
  UnsafePathError,
  UnsupportedCodecError,
  UnsupportedHashError,
} from './errors.js'
export {
  BUFFERS_IN_HEAP_LIMIT_FLAG,
  countBuffersInHeapLimit,
  HEAP_GROWING_FLAG,
  HEAP_GROWING_PERCENT,
  steadyHeapGrowth,
} from './gc-tuning.js'
export {
  digestOffThread,
  type HashRange,
  MIN_OFFLOAD,
  OFF_THREAD_HASHES,
  verifyOffThread,
} from './hash-workers.js'
export { cidOf, digest, hashMatches, SHA2_256, verifyBlock } from './hashing.js'
export { InvalidPemKeyError, UnsupportedKeyFormatError } from './key-formats.js'
export {
  byteLength,
  DTYPES,
  type DType,
  elementCount,
  isDType,
  rowMajorStrides,
  type Shape,
  type TensorInfo,
} from './tensor.js'
