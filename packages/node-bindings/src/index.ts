/** The plain-JavaScript face of IPFRS: `new Node(config)`, string CIDs, Buffers, serialized mutations. */
export { InvalidArgumentError, InvalidIndexFileError, NotStartedError } from './errors.js'
export { INDEX_FILE_FORMAT } from './index-file.js'
export { Node } from './node.js'
export { SerialQueue } from './queue.js'
export type {
  InferOptions,
  NetworkAnswer,
  NetworkHit,
  NodeConfig,
  SearchFilterOptions,
  SimilarHit,
} from './types.js'
export {
  DEFAULT_STORAGE_PATH,
  type UpstreamNodeConfig,
  type UpstreamPredicate,
  type UpstreamRule,
  type UpstreamTerm,
} from './upstream.js'
