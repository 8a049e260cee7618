import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CID, NodeConfig } from '@ipfrs/core'
import { parseCid } from '@ipfrs/core/cid'
import { validateConfig } from '@ipfrs/core/config'
import { isSafeEntryName, UnsafePathError } from '@ipfrs/core/errors'
import { fromIterable } from '@ipfrs/interface/client'
import type {
  AbortOptions,
  AddCandidate,
  AddOptions,
  AddPathOptions,
  AddResult,
  CatOptions,
  GcOptions,
  GcResult,
  GetOptions,
  LsEntry,
  NodeApi,
  NodeId,
  PeerConnection,
  RepoStat,
  VerifyResult,
} from '@ipfrs/node-api'
import { diskCandidates, withAddProgress } from 'ipfrs/disk-candidates'
import { CustomProgressEvent } from 'progress-events'
import type { ApiClient, UploadPart } from './api-client.js'
import type { Sink } from './body-pipe.js'
import { ApiStreamError, DaemonRunningError } from './errors.js'
import { remoteBlock, remoteDag, remotePin } from './remote-rpc.js'

/** The commands' node when a daemon runs on the repo: every call goes through the daemon's RPC API. */
export class RemoteNode implements NodeApi {
  readonly #api: ApiClient
  readonly #repoPath: string
  readonly #id: NodeId
  #config: NodeConfig
  #peers: PeerConnection[] = []

  private constructor(api: ApiClient, repoPath: string, id: NodeId, config: NodeConfig) {
    this.#api = api
    this.#repoPath = repoPath
    this.#id = id
    this.#config = config
  }

  static async connect(api: ApiClient, repoPath: string): Promise<RemoteNode> {
    const id = await api.json<NodeId>('id')
    return new RemoteNode(api, repoPath, id, await readConfig(repoPath))
  }

  /** The daemon's API client, for commands beyond the node surface (e.g. `tensor/*`). */
  get api(): ApiClient {
    return this.#api
  }

  get peerId(): string {
    return this.#id.ID
  }

  get config(): NodeConfig {
    return structuredClone(this.#config)
  }

  /** The config file; changes are written to the repo and take effect when the daemon restarts. */
  get repo() {
    return {
      path: this.#repoPath,
      config: this.config,
      saveConfig: async (config: NodeConfig) => {
        const valid = validateConfig(config)
        const file = join(this.#repoPath, 'config')
        await writeFile(`${file}.tmp`, `${JSON.stringify(valid, null, 2)}\n`)
        await rename(`${file}.tmp`, file)
        this.#config = valid
        process.stderr.write('(a daemon is running: the new config takes effect when it restarts)\n')
      },
    }
  }

  id(): NodeId {
    return structuredClone(this.#id)
  }

  /** Re-reads the daemon's connections (what `peers()` then returns). */
  async refreshPeers(options: AbortOptions = {}): Promise<PeerConnection[]> {
    const out = await this.#api.json<{
      Peers: Array<{ Addr: string; Peer: string; Direction: number; Latency?: string }>
    }>('swarm/peers', {}, options)
    this.#peers = (out.Peers ?? []).map((p) => {
      const rtt = /^(\d+(?:\.\d+)?)ms$/.exec(p.Latency ?? '')?.[1]
      return {
        peer: p.Peer,
        addr: `${p.Addr}/p2p/${p.Peer}`,
        direction: p.Direction === 1 ? ('inbound' as const) : ('outbound' as const),
        ...(rtt != null ? { rtt: Number(rtt) } : {}),
      }
    })
    return this.#peers
  }

  async addFile(source: string | AsyncIterable<Uint8Array>, options: AddOptions = {}): Promise<AddResult> {
    const parts: AsyncIterable<UploadPart> =
      typeof source === 'string'
        ? (diskCandidates(source, {}) as AsyncIterable<UploadPart>)
        : fromIterable([{ path: '', content: source }])
    let last: AddResult | undefined
    for await (const r of this.#add(parts, options)) last = r
    if (last == null) throw new ApiStreamError('the daemon returned no result for add')
    return { ...last, path: typeof source === 'string' ? last.path : '' }
  }

  addPath(path: string, options: AddPathOptions = {}): AsyncGenerator<AddResult> {
    return this.#add(diskCandidates(path, options) as AsyncIterable<UploadPart>, options)
  }

  /** Uploads files and directories as they come (one multipart request); yields every entry, the root last. */
  addAll(source: AsyncIterable<AddCandidate>, options: AddOptions = {}): AsyncGenerator<AddResult> {
    return this.#add(
      (async function* (): AsyncGenerator<UploadPart> {
        for await (const c of source) {
          const content = c.content
          yield {
            path: c.path ?? '',
            ...(content === undefined
              ? {}
              : {
                  content: (async function* () {
                    if (content instanceof Uint8Array) yield content
                    else yield* content
                  })(),
                }),
          }
        }
      })(),
      options,
    )
  }

  async *#add(parts: AsyncIterable<UploadPart>, options: AddOptions): AsyncGenerator<AddResult> {
    const params = {
      'cid-version': options.cidVersion,
      'raw-leaves': options.rawLeaves,
      chunker: options.chunker,
      'only-hash': options.onlyHash,
      pin: options.pin,
      'wrap-with-directory': options.wrapWithDirectory,
    }
    for await (const line of this.#api.ndjson<{ Name: string; Hash?: string; Size?: string }>('add', params, {
      parts: withAddProgress(parts, options), // the upload's own add:read/add:file events
      signal: options.signal,
    })) {
      if (line.Hash == null) continue
      yield { cid: parseCid(line.Hash), path: line.Name === line.Hash ? '' : line.Name, size: BigInt(line.Size ?? 0) }
    }
  }

  cat(path: string, options: CatOptions = {}): AsyncGenerator<Uint8Array> {
    return this.#api.bytes('cat', { arg: path, offset: options.offset, length: options.length }, options)
  }

  /** `cat` into `sink`, the body passing through one reused buffer (see body-pipe.ts); the bytes handed to it. */
  catTo(path: string, sink: Sink, options: CatOptions = {}): Promise<number> {
    const params = { arg: path, offset: options.offset, length: options.length }
    return this.#api.pipe('cat', params, sink, { signal: options.signal })
  }

  async stat(path: string, options: AbortOptions = {}) {
    const out = await this.#api.json<{ Hash: string; Size: number; Type: string }>(
      'files/stat',
      { arg: `/ipfs/${path.replace(/^\/?ipfs\//, '')}` },
      options,
    )
    return {
      cid: out.Hash,
      type: out.Type === 'directory' ? ('directory' as const) : ('file' as const),
      size: BigInt(out.Size),
    }
  }

  async *ls(path: string, options: AbortOptions = {}): AsyncGenerator<LsEntry> {
    const out = await this.#api.json<{
      Objects: Array<{ Hash: string; Links: Array<{ Name: string; Hash: string; Size: number; Type: number }> }>
    }>('ls', { arg: path }, options)
    for (const object of out.Objects) {
      if (object.Links.length === 0) {
        const stat = await this.stat(path, options)
        yield { name: path.split('/').at(-1) ?? path, cid: stat.cid, size: stat.size, type: stat.type }
      }
      for (const link of object.Links) {
        yield { name: link.Name, cid: link.Hash, size: BigInt(link.Size), type: link.Type === 1 ? 'directory' : 'file' }
      }
    }
  }

  /** Writes the file or tree at `path` to `out`, reading it through the daemon (files/stat, ls and cat). */
  async get(path: string, out: string, options: GetOptions = {}): Promise<number> {
    let written = 0
    const write = async (src: string, target: string): Promise<void> => {
      if ((await this.stat(src, options)).type !== 'directory') {
        const file = createWriteStream(target)
        await once(file, 'open') // a target that cannot be written fails before the read
        let failed: Error | undefined
        file.on('error', (err) => {
          failed ??= err
        })
        try {
          await this.catTo(
            src,
            (bytes, done) => {
              written += bytes.byteLength
              options.onProgress?.(new CustomProgressEvent('get:write', { bytes: written }))
              file.write(bytes, done)
            },
            options,
          )
        } finally {
          await new Promise<void>((resolve) => file.end(resolve))
        }
        if (failed !== undefined) throw failed
        return
      }
      await mkdir(target, { recursive: true })
      const entries: LsEntry[] = []
      for await (const e of this.ls(src, options)) entries.push(e)
      for (const e of entries) {
        if (!isSafeEntryName(e.name)) throw new UnsafePathError(e.name, src)
        await write(`${src}/${e.name}`, join(target, e.name))
      }
    }
    await write(path, out)
    return written
  }

  get block() {
    return remoteBlock(this.#api)
  }

  get pin() {
    return remotePin(this.#api)
  }

  get dag() {
    return remoteDag(this.#api)
  }

  async gc(options: GcOptions = {}): Promise<GcResult> {
    const removed: CID[] = []
    for await (const line of this.#api.ndjson<{ Key: { '/': string } }>(
      'repo/gc',
      { 'dry-run': options.dryRun },
      options,
    ))
      removed.push(parseCid(line.Key['/']))
    return { removed, pinned: 0, tooYoung: 0, inFlight: 0, tempFilesRemoved: 0, dryRun: options.dryRun === true }
  }

  repoStat(options: AbortOptions = {}): Promise<RepoStat> {
    return this.#api.json<RepoStat>('repo/stat', {}, options)
  }

  async repoVerify(): Promise<VerifyResult> {
    throw new DaemonRunningError(
      'repo verify reads every block with the repo to itself; stop the daemon first ("ipfrs daemon stop")',
    )
  }

  async provide(cid: CID | string, options: AbortOptions = {}): Promise<void> {
    for await (const _ of this.#api.ndjson('routing/provide', { arg: String(cid) }, options)) {
      // one line per provided CID
    }
  }

  async *findProviders(cid: CID | string, options: AbortOptions = {}) {
    for await (const line of this.#api.ndjson<{ Type: number; Responses: Array<{ ID: string; Addrs: string[] }> }>(
      'routing/findprovs',
      { arg: String(cid), 'num-providers': 100 },
      options,
    )) {
      for (const r of line.Responses ?? []) yield { id: r.ID, multiaddrs: r.Addrs ?? [] }
    }
  }

  get network() {
    const api = this.#api
    const id = this.#id
    const peers = () => this.#peers
    return {
      addresses: (): string[] => [...id.Addresses],
      peers: (): PeerConnection[] => peers(),
      connect: async (address: string, options: AbortOptions = {}): Promise<string> => {
        const out = await api.json<{ Strings: string[] }>('swarm/connect', { arg: address }, options)
        return /^connect (\S+) success$/.exec(out.Strings[0] ?? '')?.[1] ?? ''
      },
      disconnect: async (address: string, options: AbortOptions = {}): Promise<void> => {
        await api.json('swarm/disconnect', { arg: address }, options)
      },
      findPeer: async (peer: string, options: AbortOptions = {}): Promise<string[]> => {
        for await (const line of api.ndjson<{ Responses: Array<{ Addrs: string[] }> }>(
          'routing/findpeer',
          { arg: peer },
          options,
        )) {
          return line.Responses?.[0]?.Addrs ?? []
        }
        return []
      },
    }
  }
}

async function readConfig(repoPath: string): Promise<NodeConfig> {
  return validateConfig(JSON.parse(await readFile(join(repoPath, 'config'), 'utf8')))
}
