/**
 * The parts of the daemon-backed node that are plain RPC calls: `node.block`, `node.pin` and `node.dag` as
 * `RemoteNode` exposes them, each call one request to the daemon's Kubo-shaped API.
 */
import type { CID } from '@ipfrs/core'
import { parseCid } from '@ipfrs/core/cid'
import { isIpfrsError } from '@ipfrs/core/errors'
import { fromIterable } from '@ipfrs/interface/client'
import type { AbortOptions, BlockPutOptions, BlockStat, CarImportResult, Pin, PinType } from '@ipfrs/node-api'
import type { ApiClient } from './api-client.js'
import { BlockRemoveError } from './errors.js'

const HASH_NAMES: Record<number, string> = { 18: 'sha2-256', 19: 'sha2-512' }

/** `node.block` through the daemon: block/put, block/get, block/stat and block/rm. */
export function remoteBlock(api: ApiClient) {
  return {
    put: async (bytes: Uint8Array, options: BlockPutOptions = {}): Promise<BlockStat> => {
      const out = await api.json<{ Key: string; Size: number }>(
        'block/put',
        {
          'cid-codec': options.format,
          mhtype: options.hashCode != null ? (HASH_NAMES[options.hashCode] ?? String(options.hashCode)) : undefined,
          pin: options.pin,
          'allow-big-block': options.allowBigBlock,
        },
        { parts: fromIterable([{ path: 'block', content: fromIterable([bytes]) }]), signal: options.signal },
      )
      return { cid: parseCid(out.Key), size: out.Size }
    },
    get: async (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> =>
      new Uint8Array(await (await api.call('block/get', { arg: cid.toString() }, options)).arrayBuffer()),
    has: async (cid: CID, options: AbortOptions = {}): Promise<boolean> => {
      try {
        await api.json('block/stat', { arg: cid.toString(), offline: true }, options)
        return true
      } catch (err) {
        if (isIpfrsError(err, 'ERR_BLOCK_NOT_FOUND')) return false
        throw err
      }
    },
    stat: async (cid: CID, options: AbortOptions = {}): Promise<BlockStat> => {
      const out = await api.json<{ Key: string; Size: number }>('block/stat', { arg: cid.toString() }, options)
      return { cid: parseCid(out.Key), size: out.Size }
    },
    rm: async (cids: CID[], options: AbortOptions & { force?: boolean } = {}): Promise<CID[]> => {
      const removed: CID[] = []
      for await (const line of api.ndjson<{ Hash: string; Error?: string }>(
        'block/rm',
        { arg: cids.map(String), force: options.force },
        options,
      )) {
        if (line.Error) throw new BlockRemoveError(line.Error)
        removed.push(parseCid(line.Hash))
      }
      return removed
    },
  }
}

/** `node.pin` through the daemon: pin/add, pin/rm and pin/ls. */
export function remotePin(api: ApiClient) {
  return {
    add: async (cid: CID | string, options: AbortOptions & { recursive?: boolean } = {}): Promise<Pin> => {
      const out = await api.json<{ Pins: string[] }>(
        'pin/add',
        { arg: String(cid), recursive: options.recursive },
        options,
      )
      return { cid: parseCid(out.Pins[0] ?? String(cid)), type: options.recursive === false ? 'direct' : 'recursive' }
    },
    rm: async (cid: CID | string, options: AbortOptions = {}): Promise<void> => {
      await api.json('pin/rm', { arg: String(cid) }, options)
    },
    ls: async function* (options: AbortOptions & { type?: PinType | 'all' } = {}): AsyncGenerator<Pin> {
      for await (const line of api.ndjson<{ Cid: string; Type: PinType }>(
        'pin/ls',
        { type: options.type, stream: true },
        options,
      )) {
        yield { cid: parseCid(line.Cid), type: line.Type }
      }
    },
  }
}

/** `node.dag` through the daemon: CAR export and import. */
export function remoteDag(api: ApiClient) {
  return {
    export: (cid: CID | string, options: AbortOptions = {}) => api.bytes('dag/export', { arg: String(cid) }, options),
    import: async (
      source: AsyncIterable<Uint8Array>,
      options: AbortOptions & { pinRoots?: boolean } = {},
    ): Promise<CarImportResult> => {
      const roots: CID[] = []
      let blocks = 0
      for await (const line of api.ndjson<{ Root?: { Cid: { '/': string } }; Stats?: { BlockCount: number } }>(
        'dag/import',
        { 'pin-roots': options.pinRoots, stats: true },
        { parts: fromIterable([{ path: 'import.car', content: source }]), signal: options.signal },
      )) {
        if (line.Root != null) roots.push(parseCid(line.Root.Cid['/']))
        if (line.Stats != null) blocks = line.Stats.BlockCount
      }
      return { roots, blocks }
    },
  }
}
