import { BlockDecodeError, blockLinks, type CID, parseCid } from '@ipfrs/core'
import type { DagReader, LocalNodeApi } from '@ipfrs/node-api'
import * as dagPb from '@ipld/dag-pb'
import { badArgument } from './errors.js'

/** One link of a block: its name (dag-pb's link name; '' for other codecs) and target. */
export interface NamedLink {
  readonly name: string
  readonly cid: CID
}

/** Where a DAG's blocks come from: online, local blocks then peers (fetched blocks are stored); offline, the repo. */
export function dagReader(node: LocalNodeApi, root: CID, signal: AbortSignal): DagReader {
  if (node.isOnline) return node.network.session(root, { signal })
  return {
    get: async function* (cid, options) {
      yield await node.block.get(cid, options)
    },
  }
}

export async function readBlock(reader: DagReader, cid: CID, signal: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of reader.get(cid, { signal })) chunks.push(chunk)
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks)
}

/** The links of a block, in order (a block its codec cannot decode is `ERR_BLOCK_DECODE`). */
export function namedLinks(cid: CID, bytes: Uint8Array): NamedLink[] {
  try {
    if (cid.code === dagPb.code) return dagPb.decode(bytes).Links.map((l) => ({ name: l.Name ?? '', cid: l.Hash }))
    return [...blockLinks(cid, bytes)].map((c) => ({ name: '', cid: c }))
  } catch (err) {
    throw new BlockDecodeError(cid.toString(), { cause: err })
  }
}

/**
 * The CID an IPFS path names: `<cid>`, `/ipfs/<cid>[/path]` (a UnixFS path is walked) or `/ipns/<name>[/path]` (the
 * name resolved first). 400 for anything else.
 */
export async function resolveToCid(node: LocalNodeApi, path: string, signal: AbortSignal): Promise<CID> {
  let rest = path
  if (rest.startsWith('/ipns/')) {
    const [name = '', ...sub] = rest.slice('/ipns/'.length).split('/')
    const target = await node.name.resolve(name, { signal, recursive: true })
    rest = [target, ...sub].join('/')
  }
  if (rest.startsWith('/') && !rest.startsWith('/ipfs/')) throw badArgument(`not an IPFS path: ${path}`)
  rest = rest.replace(/^\/ipfs\//, '').replace(/\/+$/, '')
  if (!rest.includes('/')) return parseCid(rest)
  return parseCid((await node.stat(rest, { signal })).cid)
}

/**
 * Fetches every block of the DAG under `root` (what is not local comes from peers and is stored), a few blocks at a
 * time; `onBlock` sees each block once, with its size.
 */
export async function fetchDag(
  reader: DagReader,
  root: CID,
  options: { signal: AbortSignal; onBlock?: (bytes: number) => void; concurrency?: number },
): Promise<void> {
  const seen = new Set<string>()
  const queue: CID[] = [root]
  const concurrency = options.concurrency ?? 8
  let running = 0
  let failure: unknown
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (failure == null && running < concurrency && queue.length > 0) {
        const cid = queue.shift() as CID
        const key = Buffer.from(cid.multihash.bytes).toString('base64')
        if (seen.has(key)) continue
        seen.add(key)
        running++
        readBlock(reader, cid, options.signal)
          .then((bytes) => {
            options.onBlock?.(bytes.byteLength)
            for (const link of namedLinks(cid, bytes)) queue.push(link.cid)
          })
          .catch((err: unknown) => {
            failure ??= err
          })
          .finally(() => {
            running--
            pump()
          })
      }
      if (running === 0 && (failure != null || queue.length === 0)) resolve()
    }
    pump()
  })
  if (failure != null) throw failure
}
