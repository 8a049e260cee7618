/**
 * The `files`, `key`, `name` and `pubsub` commands' node parts: the local node's own (the repo opened by the command)
 * or the same contract through a running daemon's RPC API (`files/*`, `key/*`, `name/*`, `pubsub/*`).
 */
import { parseCid } from '@ipfrs/core/cid'
import type { KeyApi, LocalNodeApi, MfsApi, MfsEntry, NameApi } from '@ipfrs/node-api'
import type { ApiClient } from './api-client.js'
import type { CliNode } from './cli-node.js'
import { isRemote } from './context.js'

/** What the four command families use of a node. */
export interface KuboApis {
  files: MfsApi
  keys: KeyApi
  name: NameApi
}

/** The parts of `node`: its own when local, else RPC calls to the daemon. */
export function kuboApis(node: CliNode): KuboApis {
  if (isRemote(node)) return remoteApis(node.api)
  const local = node as unknown as LocalNodeApi
  return { files: local.files, keys: local.keys, name: local.name }
}

const one = (bytes: Uint8Array) => ({
  async *[Symbol.asyncIterator]() {
    yield { path: 'data', content: single(bytes) }
  },
})

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const c of chunks) parts.push(c)
  return Buffer.concat(parts)
}

const topicArg = (topic: string) => `u${Buffer.from(topic).toString('base64url')}`
const fromMultibase = (s: string) => Buffer.from(s.replace(/^u/, ''), 'base64url')

type WireStat = { Hash: string; Size: number; CumulativeSize: number; Blocks: number; Type: 'file' | 'directory' }
type WireKey = { Name: string; Id: string }

function remoteApis(api: ApiClient): KuboApis {
  const done = async (command: string, params: Parameters<ApiClient['call']>[1], init = {}) => {
    await (await api.call(command, params, init)).text()
  }
  const files: MfsApi = {
    mkdir: (path, o = {}) => done('files/mkdir', { arg: path, parents: o.parents }, { signal: o.signal }),
    write: async (path, content, o = {}) => {
      const bytes = content instanceof Uint8Array ? content : await collect(content)
      const { create, truncate, offset, count, parents } = o
      await done('files/write', { arg: path, create, truncate, offset, count, parents }, { parts: one(bytes) })
    },
    read: (path, o = {}) =>
      api.bytes('files/read', { arg: path, offset: o.offset, count: o.count }, { signal: o.signal }),
    ls: async function* (path, o = {}) {
      const res = await api.json<{ Entries: Array<{ Name: string; Type: number; Size: number; Hash: string }> }>(
        'files/ls',
        { arg: path, long: true },
        { signal: o.signal },
      )
      for (const e of res.Entries ?? []) {
        const entry: MfsEntry = {
          name: e.Name,
          type: e.Type === 1 ? 'directory' : 'file',
          size: e.Size,
          cid: parseCid(e.Hash),
        }
        yield entry
      }
    },
    stat: async (path, o = {}) => {
      const s = await api.json<WireStat>('files/stat', { arg: path }, { signal: o.signal })
      return { cid: parseCid(s.Hash), type: s.Type, size: s.Size, cumulativeSize: s.CumulativeSize, blocks: s.Blocks }
    },
    cp: (from, to, o = {}) => done('files/cp', { arg: [from, to], parents: o.parents }, { signal: o.signal }),
    mv: (from, to, o = {}) => done('files/mv', { arg: [from, to] }, { signal: o.signal }),
    rm: (path, o = {}) => done('files/rm', { arg: path, recursive: o.recursive, force: o.force }, { signal: o.signal }),
    flush: async (path = '/', o = {}) =>
      parseCid((await api.json<{ Cid: string }>('files/flush', { arg: path }, o)).Cid),
  }
  const key = (k: WireKey) => ({ name: k.Name, id: k.Id })
  const keys: KeyApi = {
    gen: async (name) => key(await api.json<WireKey>('key/gen', { arg: name, type: 'ed25519' })),
    list: async () => (await api.json<{ Keys: WireKey[] }>('key/list', { l: true })).Keys.map(key),
    rm: async (name) => key((await api.json<{ Keys: WireKey[] }>('key/rm', { arg: name })).Keys[0] as WireKey),
    rename: async (from, to, force) => {
      const r = await api.json<{ Now: string; Id: string; Overwrite: boolean }>('key/rename', {
        arg: [from, to],
        force,
      })
      return { name: r.Now, id: r.Id, overwrite: r.Overwrite }
    },
    export: async (name) => collect(api.bytes('key/export', { arg: name })),
    import: async (name, bytes, force) =>
      key(await api.json<WireKey>('key/import', { arg: name, force }, { parts: one(bytes) })),
  }
  const ms = (n: number | undefined) => (n === undefined ? undefined : `${n}ms`)
  const name: NameApi = {
    publish: async (path, o = {}) => {
      const r = await api.json<{ Name: string; Value: string }>(
        'name/publish',
        { arg: path, key: o.key, lifetime: ms(o.lifetimeMs), ttl: ms(o.ttlMs), 'allow-offline': o.allowOffline },
        { signal: o.signal },
      )
      return { name: r.Name, value: r.Value }
    },
    resolve: async (n, o = {}) =>
      (await api.json<{ Path: string }>('name/resolve', { arg: n, recursive: o.recursive }, { signal: o.signal })).Path,
    putRecord: (n, record, o = {}) =>
      done('routing/put', { arg: `/ipns/${n}`, 'allow-offline': o.allowOffline }, { parts: one(record) }),
    getRecord: async (n, o = {}) => {
      for await (const e of api.ndjson<{ Extra: string }>('routing/get', { arg: `/ipns/${n}` }, o))
        return Buffer.from(e.Extra, 'base64')
      throw new Error(`no record for ${n}`)
    },
  }
  return { files, keys, name }
}

/** The `pubsub` commands, through a running daemon only (as Kubo's: a subscription needs a node that stays up). */
export interface CliPubsub {
  publish(topic: string, data: Uint8Array): Promise<void>
  topics(): Promise<string[]>
  peers(topic?: string): Promise<string[]>
  /** Messages as they arrive, until `signal` aborts. */
  subscribe(topic: string, signal: AbortSignal): AsyncIterable<{ from: string; data: Uint8Array }>
}

/** The pubsub RPC commands with Kubo's multibase topics. */
export function remotePubsub(api: ApiClient): CliPubsub {
  return {
    publish: async (topic, data) => {
      await (await api.call('pubsub/pub', { arg: topicArg(topic) }, { parts: one(data) })).text()
    },
    topics: async () => {
      const r = await api.json<{ Strings: string[] | null }>('pubsub/ls')
      return (r.Strings ?? []).map((s) => fromMultibase(s).toString('utf8'))
    },
    peers: async (topic) => {
      const arg = topic == null ? undefined : topicArg(topic)
      return (await api.json<{ Strings: string[] | null }>('pubsub/peers', { arg })).Strings ?? []
    },
    subscribe: async function* (topic, signal) {
      const lines = api.ndjson<{ from: string; data: string }>('pubsub/sub', { arg: topicArg(topic) }, { signal })
      for await (const m of lines) yield { from: m.from, data: fromMultibase(m.data) }
    },
  }
}
