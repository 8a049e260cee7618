// @ipfrs/transport: tensors and models as content (manifests, tensor store, Arrow IPC, safetensors) and TensorSwap.

/** apache-arrow's Table and Vector types, for packages that take or return them without depending on apache-arrow. */
export type { Table as ArrowTable, Vector as ArrowVector } from 'apache-arrow'
export {
  arrowTypeOf,
  columnView,
  DTYPE_METADATA_KEY,
  decodeArrowIpc,
  dtypeOfArrowType,
  dtypeOfTypedArray,
  encodeArrowIpc,
  type TensorTypedArray,
  TYPED_ARRAY_OF,
  tableOfTyped,
  typedView,
  vectorView,
} from './arrow-tensor.js'
export { type AbortOptions, assembleChunks, putChunks, readBlock, splitChunks } from './chunking.js'
export {
  InvalidGgufError,
  InvalidManifestError,
  InvalidSafetensorsError,
  InvalidTensorInputError,
  NotAModelError,
  TensorBlockNotFoundError,
  TensorNotFoundError,
  UnsupportedFileLayoutError,
  WrongEncodingError,
} from './errors.js'
// a model file stored once as its UnixFS DAG: the file CID is the handle, tensors are byte ranges of its leaves
export { type BlockGetter, fileIndex, isFileCid, leafData, readFileRange, verifiedBlock } from './file-index.js'
export {
  creditWindow,
  DEFAULT_CREDIT,
  DEFAULT_MAX_IN_FLIGHT_BYTES,
  MAX_CREDIT,
  ReceiverCredit,
  SenderCredit,
} from './flow-control.js'
export { FrameReader, sendFrame } from './frame-stream.js'
export {
  CHUNK_FRAME_OVERHEAD,
  decodeFrame,
  encodeFrame,
  FLAG_SEND_MANIFEST,
  type Frame,
  FrameType,
  MAX_CONTROL_FRAME_SIZE,
  MAX_FRAME_SIZE,
  TENSORSWAP_PROTOCOL,
} from './frames.js'
export {
  GGML_TYPE_IDS,
  GGUF_MAGIC,
  type GgufTensor,
  type GgufValue,
  isGguf,
  type ParsedGguf,
  parseGguf,
} from './gguf.js'
export { type BlockFileLocator, readLeafFileInto } from './leaf-files.js'
export type { TensorEncoding, TensorManifest } from './manifest.js'
export {
  CHUNK_CODEC,
  chunkRange,
  DAG_PB_CODEC,
  DEFAULT_CHUNK_SIZE,
  decodeManifest,
  type EncodedManifest,
  encodeManifest,
  MANIFEST_CODEC,
  MAX_CHUNK_SIZE,
  validateManifest,
} from './manifest-codec.js'
export {
  type FileTensor,
  findTensor,
  type LoadedFileTensor,
  type LoadModelTensorOptions,
  loadModelTensor,
  MAX_MODEL_HEADER,
  type ModelFile,
  parseModelHeader,
  plainDType,
  readModelHeader,
} from './model-file.js'
export { type ChunkProgress, ChunkScheduler, type TensorSwapProgressEvents } from './multi-provider.js'
export { bytesOfChunks, chunksOfRange, fetchOrder, missingChunks } from './resume-state.js'
export {
  exportSafetensors,
  getModelManifest,
  type ImportedModel,
  importSafetensors,
  listModel,
  MAX_SAFETENSORS_HEADER,
  type ModelManifest,
  type ModelTensor,
  type ParsedSafetensors,
  parseSafetensors,
  parseSafetensorsHeader,
  type SafetensorsEntry,
} from './safetensors.js'
// TensorSwap (`/ipfrs/tensorswap/1.0.0`): the wire protocol moving manifest chunks between peers.
export {
  ChunksUnavailableError,
  CreditExceededError,
  FrameTooLargeError,
  InvalidPriorityError,
  InvalidProviderError,
  isPeerFault,
  NoProvidersError,
  StreamClosedError,
  TensorSwapProtocolError,
  TensorSwapRemoteError,
  TensorSwapStallError,
  UnsolicitedChunkError,
} from './swap-errors.js'
export {
  type GetTensorOptions,
  type LoadedTensor,
  type PutTensorOptions,
  TensorStore,
} from './tensor-store.js'
export {
  type FetchOptions,
  type FetchResult,
  type ProviderStats,
  TensorSwap,
  type TensorSwapInit,
} from './tensorswap.js'
export {
  ProviderSession,
  type ProviderSessionInit,
  type ProviderTarget,
  type SessionSink,
} from './tensorswap-client.js'
export { TensorSwapServer, type TensorSwapServerInit, type TensorSwapServerStats } from './tensorswap-server.js'
