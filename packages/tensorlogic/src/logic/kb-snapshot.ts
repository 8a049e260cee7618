/**
 * Knowledge-base snapshots as IPLD blocks. A snapshot (format 2) is a root `{ tensorlogic: 2, tabled: [name/arity], counts,
 * packs: [CID] }` (or `index: [CID]` of `{ packs: [CID] }` blocks past {@link LINKS} packs) over pack blocks
 * `{ clauses: [clause value, ...] }`, each clause value the very map its own clause block holds. Packs are cut where the
 * content says (a clause ends a pack when a hash of its bytes falls under its share of {@link PACK_TARGET}, once the
 * pack holds {@link PACK_MIN} bytes; always past {@link PACK_MAX}), so a snapshot after a small change shares every
 * pack but those around the change with the one before. Format 1 roots (`clauses`/`chunks` linking one block per
 * clause) are still read.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { Blockstore } from 'interface-blockstore'
import { CID } from 'multiformats/cid'
import {
  clauseFromValue,
  clauseValue,
  decodeClause,
  decodeVerified,
  putValue,
  readBlock,
  type SnapshotOptions,
} from './encoding.js'
import { InvalidRuleBlockError } from './errors.js'
import type { Clause } from './terms.js'

/** Most links in one root, index or (format 1) chunk block. */
export const LINKS = 4096
/** A pack is not cut before it holds this many bytes of clauses. */
export const PACK_MIN = 16 * 1024
/** Expected bytes between cuts past {@link PACK_MIN}. */
export const PACK_TARGET = 32 * 1024
/** A pack is always cut once it holds this many bytes. */
export const PACK_MAX = 256 * 1024
/** Blocks read at once by a restore. */
const READ_AHEAD = 16

/** FNV-1a of the bytes, as a fraction in [0, 1). */
function unitHash(bytes: Uint8Array): number {
  let h = 0x811c9dc5
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193)
  return (h >>> 0) / 2 ** 32
}

/** The clause values of `clauses` cut into packs at content-defined boundaries. */
export function packClauses(clauses: readonly Clause[]): unknown[][] {
  const packs: unknown[][] = []
  let pack: unknown[] = []
  let size = 0
  for (const c of clauses) {
    const value = clauseValue(c)
    const bytes = dagCbor.encode(value)
    if (size > 0 && size + bytes.length > PACK_MAX) {
      packs.push(pack)
      pack = []
      size = 0
    }
    pack.push(value)
    size += bytes.length
    if (size >= PACK_MIN && unitHash(bytes) < bytes.length / PACK_TARGET) {
      packs.push(pack)
      pack = []
      size = 0
    }
  }
  if (pack.length > 0) packs.push(pack)
  return packs
}

/** Writes the pack blocks and root of a snapshot of `clauses` (format 2); returns the root CID. */
export async function saveKnowledgeBaseBlocks(
  clauses: readonly Clause[],
  tabled: readonly string[],
  bs: Pick<Blockstore, 'put'>,
  options: SnapshotOptions = {},
  counts?: SnapshotCounts,
): Promise<CID> {
  const packs: CID[] = []
  for (const p of packClauses(clauses)) packs.push(await putValue(bs, { clauses: p }, options))
  const root: Record<string, unknown> = { tensorlogic: 2, tabled: [...tabled].sort() }
  if (counts !== undefined) root.counts = { ...counts }
  if (packs.length <= LINKS) root.packs = packs
  else {
    const index: CID[] = []
    for (let i = 0; i < packs.length; i += LINKS)
      index.push(await putValue(bs, { packs: packs.slice(i, i + LINKS) }, options))
    root.index = index
  }
  return putValue(bs, root, options)
}

function cidList(cid: CID, x: unknown): CID[] {
  if (!Array.isArray(x) || x.length > LINKS) throw new InvalidRuleBlockError(cid.toString(), 'bad link list')
  return x.map((c) => {
    const link = CID.asCID(c)
    if (link === null) throw new InvalidRuleBlockError(cid.toString(), 'link list holds a non-CID')
    return link
  })
}

/** A map block's value with exactly the key `key`; InvalidRuleBlockError otherwise. */
async function readMap(bs: Pick<Blockstore, 'get'>, cid: CID, key: string, options: SnapshotOptions): Promise<unknown> {
  const v = decodeVerified(cid, await readBlock(bs, cid, options)) as Record<string, unknown> | null
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).join() !== key)
    throw new InvalidRuleBlockError(cid.toString(), `expected { ${key} }`)
  return v[key]
}

/** `fn` over `items`, {@link READ_AHEAD} at a time, results in order. */
async function inOrder<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = []
  for (let i = 0; i < items.length; i += READ_AHEAD)
    out.push(...(await Promise.all(items.slice(i, i + READ_AHEAD).map(fn))))
  return out
}

async function packClausesOf(bs: Pick<Blockstore, 'get'>, cid: CID, options: SnapshotOptions): Promise<Clause[]> {
  const values = await readMap(bs, cid, 'clauses', options)
  if (!Array.isArray(values)) throw new InvalidRuleBlockError(cid.toString(), 'clauses is not a list')
  try {
    return values.map(clauseFromValue)
  } catch (err) {
    throw new InvalidRuleBlockError(cid.toString(), (err as Error).message, { cause: err })
  }
}

/** The KB's counts a snapshot root records (so a node can report them before it has read the packs). */
export interface SnapshotCounts {
  readonly clauses: number
  readonly facts: number
  readonly rules: number
  readonly predicates: number
  readonly tabled: number
}
const COUNT_KEYS = ['clauses', 'facts', 'rules', 'predicates', 'tabled'] as const

/** The counts recorded in a snapshot's root block (hash-verified), or `undefined` for a root without them. */
export async function readSnapshotCounts(
  bs: Pick<Blockstore, 'get'>,
  root: CID,
  options: SnapshotOptions = {},
): Promise<SnapshotCounts | undefined> {
  const value = decodeVerified(root, await readBlock(bs, root, options)) as Record<string, unknown> | null
  if (value === null || typeof value !== 'object' || (value.tensorlogic !== 1 && value.tensorlogic !== 2))
    throw new InvalidRuleBlockError(root.toString(), 'not a knowledge base root')
  const c = value.counts as Record<string, unknown> | undefined
  if (c === undefined || c === null || typeof c !== 'object') return undefined
  if (!COUNT_KEYS.every((k) => Number.isSafeInteger(c[k]) && (c[k] as number) >= 0)) return undefined
  return Object.fromEntries(COUNT_KEYS.map((k) => [k, c[k]])) as unknown as SnapshotCounts
}

/** Reads a snapshot (format 2, or 1) and its clauses, every block hash-verified and validated. */
export async function loadKnowledgeBaseBlocks(
  bs: Pick<Blockstore, 'get'>,
  root: CID,
  options: SnapshotOptions = {},
): Promise<{ clauses: Clause[]; tabled: string[] }> {
  const value = decodeVerified(root, await readBlock(bs, root, options)) as Record<string, unknown>
  if (value === null || typeof value !== 'object' || (value.tensorlogic !== 1 && value.tensorlogic !== 2))
    throw new InvalidRuleBlockError(root.toString(), 'not a knowledge base root')
  const tabled = value.tabled
  if (!Array.isArray(tabled) || !tabled.every((t) => typeof t === 'string' && /^.+\/[0-9]{1,4}$/.test(t)))
    throw new InvalidRuleBlockError(root.toString(), 'bad tabled list')
  if (value.tensorlogic === 2) {
    const packs =
      value.packs !== undefined
        ? cidList(root, value.packs)
        : (
            await inOrder(cidList(root, value.index), async (c) => cidList(c, await readMap(bs, c, 'packs', options)))
          ).flat()
    const clauses = (await inOrder(packs, (c) => packClausesOf(bs, c, options))).flat()
    return { clauses, tabled: tabled as string[] }
  }
  // format 1: one block per clause, linked from the root or from chunk blocks
  const cids =
    value.clauses !== undefined
      ? cidList(root, value.clauses)
      : (
          await inOrder(cidList(root, value.chunks), async (c) => cidList(c, await readMap(bs, c, 'clauses', options)))
        ).flat()
  const cache = new Map<string, Promise<Clause>>()
  const clauses = await inOrder(cids, (cid) => {
    let c = cache.get(cid.toString())
    if (c === undefined) {
      c = readBlock(bs, cid, options).then((bytes) => decodeClause(cid, bytes))
      cache.set(cid.toString(), c)
    }
    return c
  })
  return { clauses, tabled: tabled as string[] }
}
