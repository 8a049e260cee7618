/** The repo behind a node: its config, its size, its integrity (Kubo's `config`, `repo stat`, `repo verify`). */
import type { CID, NodeConfig } from '@ipfrs/core'
import type { AbortOptions } from './options.js'

/** `repo stat`, with Kubo's field names. */
export interface RepoStat {
  NumObjects: number
  RepoSize: number
  StorageMax: number
  RepoPath: string
  Version: string
}

/** One block that failed `repo verify`. */
export interface VerifyProblem {
  readonly cid: CID
  /** `ERR_BLOCK_HASH_MISMATCH`, or the code of the error reading the block. */
  readonly code: string
  readonly message: string
}

export interface VerifyResult {
  readonly checked: number
  readonly problems: VerifyProblem[]
}

/** The repo's config file; a saved config takes effect when the node next starts. */
export interface RepoHandle {
  readonly path: string
  readonly config: NodeConfig
  readonly saveConfig: (config: NodeConfig) => Promise<void>
}

export interface RepoApi {
  readonly repoStat: (options?: AbortOptions) => Promise<RepoStat>
  /** Re-hashes every block (needs the repo to itself). */
  readonly repoVerify: (options?: AbortOptions) => Promise<VerifyResult>
}
