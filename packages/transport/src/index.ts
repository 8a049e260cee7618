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
  InvalidManifestError,
  InvalidSafetensorsError,
  InvalidTensorInputError,
  TensorBlockNotFoundError,
  WrongEncodingError,
} from './errors.js'
export type { TensorEncoding, TensorManifest } from './manifest.js'
export {
  CHUNK_CODEC,
  chunkRange,
  DEFAULT_CHUNK_SIZE,
  decodeManifest,
  type EncodedManifest,
  encodeManifest,
  MANIFEST_CODEC,
  MAX_CHUNK_SIZE,
  validateManifest,
} from './manifest-codec.js'
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
  type SafetensorsEntry,
} from './safetensors.js'
export {
  type GetTensorOptions,
  type LoadedTensor,
  type PutTensorOptions,
  TensorStore,
} from './tensor-store.js'
