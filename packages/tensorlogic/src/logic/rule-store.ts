import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { decodeClause, encodeClause, readBlock, type SnapshotOptions } from './encoding.js'
import { parseClause } from './parser.js'
import type { Clause } from './terms.js'

/**
 * Facts and rules as content-addressed blocks in any Blockstore: `put` stores a clause's canonical DAG-CBOR block
 * (identical clauses, whatever their variable names, share one block); `get` reads one back, checking that its bytes
 * hash to the CID and that it is a well-formed clause.
 */
export class RuleStore {
  constructor(readonly blockstore: Pick<Blockstore, 'get' | 'put' | 'has'>) {}

  /** Stores a clause (or clause text such as `p(X) :- q(X).`); returns its CID. */
  async put(clause: Clause | string, options: SnapshotOptions = {}): Promise<CID> {
    const c = typeof clause === 'string' ? parseClause(clause) : clause
    const { cid, bytes } = encodeClause(c)
    if (!(await this.blockstore.has(cid, options))) await this.blockstore.put(cid, bytes, options)
    return cid
  }

  /** Reads and validates a clause block: `ERR_RULE_NOT_FOUND`, or `ERR_INVALID_RULE_BLOCK` for bad bytes. */
  async get(cid: CID, options: SnapshotOptions = {}): Promise<Clause> {
    return decodeClause(cid, await readBlock(this.blockstore, cid, options))
  }

  /** Whether the clause block is stored. */
  has(cid: CID, options: SnapshotOptions = {}): Promise<boolean> {
    return Promise.resolve(this.blockstore.has(cid, options))
  }
}
