import { type CID, hashMatches } from '@ipfrs/core'
import type { VerifyProblem, VerifyResult } from '@ipfrs/node-api'
import type { AbortOptions } from 'abort-error'
import type { Blockstore } from 'interface-blockstore'
import { CustomProgressEvent, type ProgressEvent, type ProgressOptions } from 'progress-events'
import { collectBytes } from './bytes.js'

/** The contract's verify result (`@ipfrs/node-api`). */
export type { VerifyProblem, VerifyResult } from '@ipfrs/node-api'

/** `verify:block`: one block checked (`ok` false when it is corrupt or unreadable). */
export type VerifyProgressEvents = ProgressEvent<'verify:block', { cid: CID; ok: boolean }>

/**
 * Re-hashes every block: for each key in `keys` (see `listBlockKeys`), reads its bytes through `reader` (the full
 * decompressing/decrypting stack) and checks them against the key's multihash.
 */
export async function verifyBlocks(
  keys: AsyncIterable<CID>,
  reader: Pick<Blockstore, 'get'>,
  options: AbortOptions & ProgressOptions<VerifyProgressEvents> = {},
): Promise<VerifyResult> {
  const problems: VerifyProblem[] = []
  let checked = 0
  for await (const cid of keys) {
    options.signal?.throwIfAborted()
    checked++
    let ok = false
    try {
      ok = hashMatches(cid, await collectBytes(reader.get(cid, { signal: options.signal })))
      if (!ok) problems.push({ cid, code: 'ERR_BLOCK_HASH_MISMATCH', message: `block bytes do not hash to ${cid}` })
    } catch (err) {
      const e = err as { code?: string; message?: string }
      problems.push({ cid, code: e.code ?? 'ERR_BLOCK_UNREADABLE', message: e.message ?? String(err) })
    }
    options.onProgress?.(new CustomProgressEvent('verify:block', { cid, ok }))
  }
  return { checked, problems }
}
