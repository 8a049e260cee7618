/**
 * ipfrs: an IPFS node with semantics built in. `createNode()` composes the parts into a `Node`.
 */
export { BlockApi, type BlockPutOptions, type BlockStat, MAX_BLOCK_SIZE } from './blocks.js'
export { type CarImportResult, exportCar, importCar } from './car.js'
export {
  BlockTooLargeError,
  InvalidCarError,
  IsDirectoryError,
  NodeNotStartedError,
  NotAFileError,
  NotUnixFsError,
  PathNotFoundError,
  UnsafePathError,
} from './errors.js'
export { type AddPathOptions, AGENT_VERSION, type CreateNodeOptions, createNode, Node, type NodeId } from './node.js'
export { isSafetensorsPath, type TensorAddResult, TensorLayer } from './tensor-layer.js'
export { type AddOptions, type AddResult, diskCandidates, importerOptions } from './unixfs-add.js'
export type { CatOptions, LsEntry } from './unixfs-read.js'
