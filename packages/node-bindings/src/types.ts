/** The plain objects {@link Node} takes and gives. */
import type { LogicQueryOptions } from '@ipfrs/node-api'

/** Configuration of a {@link Node} (a plain object). */
export interface NodeConfig {
  /** The repo directory (required). */
  repoPath: string
  /** Create the repo when there is none (default true). */
  init?: boolean
  /** Join the network on start (default false). */
  online?: boolean
  /** The passphrase of an encrypted repo. */
  passphrase?: string
  /** The semantic index of a NEW repo (ignored when the repo exists): dimension (default 384) and metric. */
  semantic?: { dimension?: number; metric?: 'cosine' | 'l2' | 'ip' }
  /**
   * A NEW repo that stays on this machine: listens on 127.0.0.1 only, no public bootstrap peers (tests and local
   * clusters). Default false: a new repo joins the public IPFS network when online.
   */
  local?: boolean
  /** A NEW repo's bootstrap peers (multiaddrs with /p2p/<id>), instead of the default list. */
  bootstrap?: string[]
}

/** A hit of {@link Node.searchNetwork}: which peer holds it. */
export interface NetworkHit extends SimilarHit {
  provider: string
}

/** An answer of {@link Node.inferNetwork}: the bindings and the peers that gave them (`'local'` for this node). */
export interface NetworkAnswer {
  bindings: Record<string, string>
  from: string[]
}

/** One search hit. */
export interface SimilarHit {
  cid: string
  score: number
}

/** Filters of {@link Node.searchFiltered}. */
export interface SearchFilterOptions {
  minScore?: number
  maxScore?: number
  cidPrefix?: string
  maxResults?: number
}

/**
 * Limits of {@link Node.infer} and {@link Node.prove}: those of the node contract's logic queries (without `timeoutMs`,
 * the repo config's `Logic.QueryTimeoutMs`, 10 s by default, applies).
 */
export type InferOptions = Pick<LogicQueryOptions, 'limit' | 'timeoutMs' | 'maxDepth'>

export type Query = string | number[] | Float32Array
