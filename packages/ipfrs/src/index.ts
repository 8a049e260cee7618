/**
 * ipfrs: an IPFS node with semantics built in. `createNode()` composes the parts into a `Node`.
 */
/** `@ipfrs/core`: CIDs, codecs, blocks, typed errors, config schema, tensor types. */
export * as core from '@ipfrs/core'
/** `@ipfrs/network`: the libp2p node (TCP/QUIC, Noise, Yamux, Kademlia, Bitswap, GossipSub). */
export * as network from '@ipfrs/network'
/** `@ipfrs/semantic`: HNSW and exact vector indexes, text embedders, the semantic DHT. */
export * as semantic from '@ipfrs/semantic'
/** `@ipfrs/storage`: the repo, blockstore, datastore, compression, encryption, pins and GC. */
export * as storage from '@ipfrs/storage'
/** `@ipfrs/tensorlogic`: the logic language, solver, rule store and distributed inference. */
export * as tensorlogic from '@ipfrs/tensorlogic'
/** `@ipfrs/transport`: tensors as content (Arrow IPC, safetensors) and TensorSwap. */
export * as transport from '@ipfrs/transport'
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
export { LogicLayer, LogicNotReadyError, type LogicQueryOptions, type LogicStats } from './logic-layer.js'
export type { DistributedQueryOptions, LogicDistributedAnswer } from './logic-peers.js'
export type { ProofStep, ProofTree } from './logic-text.js'
export { Mfs, parsePath as parseMfsPath } from './mfs.js'
export { InvalidMfsPathError, MfsConflictError, MfsNotFoundError } from './mfs-errors.js'
export {
  DEFAULT_LIFETIME_MS,
  DEFAULT_TTL_MS,
  INITIAL_REPUBLISH_DELAY_MS,
  InvalidIpnsNameError,
  InvalidIpnsRecordError,
  InvalidIpnsValueError,
  IpnsNotFoundError,
  ipnsName,
  Names,
  parseName as parseIpnsName,
  REPUBLISH_INTERVAL_MS,
} from './names.js'
export { type CreateNodeOptions, createNode, Node, type NodeId } from './node.js'
export {
  TensorFetchError,
  type TensorFetchOptions,
  type TensorFetchResult,
} from './tensor-fetch.js'
export { type AddedModel, isModelPath, type TensorAddResult, TensorLayer } from './tensor-layer.js'
export { type AddOptions, type AddResult, diskCandidates, importerOptions, withAddProgress } from './unixfs-add.js'
export type { AddPathOptions } from './unixfs-api.js'
export type { CatOptions, LsEntry } from './unixfs-read.js'
export { AGENT_VERSION } from './version.js'
