import type { UnixFS } from '@helia/unixfs'
import { type CID, formatCid, parseCid } from '@ipfrs/core'
import type { MfsEntry, MfsStat, MfsWriteOptions } from '@ipfrs/node-api'
import { collectBytes, GC_ROOTS_PREFIX, type Repo } from '@ipfrs/storage'
import { decode as decodePb } from '@ipld/dag-pb'
import type { AbortOptions } from 'abort-error'
import { Key } from 'interface-datastore'
import { InvalidMfsPathError, MfsConflictError, MfsNotFoundError } from './mfs-errors.js'

/** Where the MFS root's CID lives: a GC root (see `GC_ROOTS_PREFIX`), so what MFS reaches is never collected. */
const ROOT_KEY = new Key(`${GC_ROOTS_PREFIX}files`)
const DAG_PB = 0x70

/**
 * Kubo's Mutable File System (`ipfrs files`): a directory tree over immutable UnixFS DAGs whose root CID is kept in the
 * repo's datastore. Each change writes the new blocks (through @helia/unixfs), then the new root, inside one GC
 * session, so GC never sees the new blocks unreachable. Changes are serialized; reads see the latest root.
 */
export class Mfs {
  readonly #repo: Repo
  /** @helia/unixfs, loaded when MFS is first used (a one-shot `ipfrs add` never needs it). */
  #unixfs: UnixFS | undefined
  readonly #ipfs: IpfsReader | undefined
  #root: CID | undefined
  #queue: Promise<unknown> = Promise.resolve()

  /**
   * `ipfs` resolves `<cid>[/path]` and reads root blocks for `stat` of an `/ipfs/` path, from peers too when the node
   * is online; without it such paths are resolved in the repo only.
   */
  constructor(repo: Repo, ipfs?: IpfsReader) {
    this.#repo = repo
    this.#ipfs = ipfs
  }

  get #fs(): UnixFS {
    if (this.#unixfs == null) throw new Error('MFS used before root() or resolve() loaded @helia/unixfs')
    return this.#unixfs
  }

  /** The root's CID (an empty directory the first time). */
  async root(): Promise<CID> {
    this.#unixfs ??= (await import('@helia/unixfs')).unixfs({ blockstore: this.#repo.blockstore })
    if (this.#root != null) return this.#root
    try {
      this.#root = parseCid(new TextDecoder().decode(await this.#repo.datastore.get(ROOT_KEY)))
    } catch (err) {
      if ((err as { name?: string }).name !== 'NotFoundError') throw err
      this.#root = await this.#change(async () => this.#fs.addDirectory())
    }
    return this.#root
  }

  /** Creates a directory; with `parents`, its missing parents too (and no error when it exists). */
  mkdir(path: string, options: AbortOptions & { parents?: boolean } = {}): Promise<void> {
    const segments = parsePath(path)
    return this.#mutate(async () => {
      if (segments.length === 0) {
        if (options.parents === true) return undefined
        throw new MfsConflictError('cannot create directory /: it exists')
      }
      const existing = await this.#lookup(segments, options)
      if (existing != null) {
        if (options.parents === true && (await this.#isDir(existing, options))) return undefined
        throw new MfsConflictError(`cannot create directory ${path}: file exists`)
      }
      return this.#setAt(segments, await this.#fs.addDirectory({}, options), options.parents === true, options)
    })
  }

  /** Writes bytes into a file (Kubo's `files write`: `create`, `truncate`, `offset`, `count`, `parents`). */
  write(path: string, content: AsyncIterable<Uint8Array> | Uint8Array, options: MfsWriteOptions = {}): Promise<void> {
    const segments = parsePath(path)
    if (segments.length === 0) throw new MfsConflictError('cannot write to /: it is a directory')
    return this.#mutate(async () => {
      let data = await collectBytes(content instanceof Uint8Array ? [content] : content)
      if (options.count !== undefined) data = data.subarray(0, options.count)
      const existing = await this.#lookup(segments, options)
      if (existing == null && options.create !== true) throw new MfsNotFoundError(path)
      if (existing != null && (await this.#isDir(existing, options)))
        throw new MfsConflictError(`${path} is a directory`)
      const old =
        existing == null || options.truncate === true
          ? new Uint8Array(0)
          : await collectBytes(this.#fs.cat(existing, { signal: options.signal }))
      const offset = options.offset ?? 0
      const bytes = new Uint8Array(Math.max(old.byteLength, offset + data.byteLength))
      bytes.set(old.subarray(0, Math.min(old.byteLength, bytes.byteLength)))
      bytes.set(data, offset)
      const file = await this.#fs.addBytes(bytes, options)
      return this.#setAt(segments, file, options.parents === true, options)
    })
  }

  /** The bytes of a file, from `offset`, at most `count` of them. */
  async *read(path: string, options: AbortOptions & { offset?: number; count?: number } = {}) {
    const cid = await this.resolve(path, options)
    if (await this.#isDir(cid, options)) throw new MfsConflictError(`${path} is a directory`)
    yield* this.#fs.cat(cid, { ...options, offset: options.offset, length: options.count })
  }

  /** The entries of a directory (or the file itself, for a file). */
  async *ls(path: string, options: AbortOptions = {}): AsyncGenerator<MfsEntry> {
    const cid = await this.resolve(path, options)
    if (!(await this.#isDir(cid, options))) {
      const stat = await this.#fs.stat(cid, options)
      yield { name: parsePath(path).at(-1) ?? '', type: 'file', size: Number(stat.size), cid }
      return
    }
    for await (const entry of this.#fs.ls(cid, options)) {
      const stat = await this.#fs.stat(entry.cid, options)
      const type = stat.type === 'directory' ? 'directory' : 'file'
      yield { name: entry.name, type, size: type === 'file' ? Number(stat.size) : 0, cid: entry.cid }
    }
  }

  /**
   * Kubo's `files stat` of an MFS path or `/ipfs/<cid>[/path]`: `blocks` is the number of links of the node,
   * `cumulativeSize` the encoded size of the whole DAG, `size` the file's bytes (0 for a directory).
   */
  async stat(path: string, options: AbortOptions = {}): Promise<MfsStat> {
    let cid: CID
    let type: 'file' | 'directory'
    let size: number
    const ipfs = path.startsWith('/ipfs/') ? this.#ipfs : undefined
    if (ipfs != null) {
      const s = await ipfs.stat(path.slice('/ipfs/'.length), options)
      ;[cid, type, size] = [parseCid(s.cid.toString()), s.type === 'directory' ? 'directory' : 'file', Number(s.size)]
    } else {
      cid = await this.resolve(path, options)
      const s = await this.#fs.stat(cid, options)
      ;[type, size] = [s.type === 'directory' ? 'directory' : 'file', Number(s.size)]
    }
    // as Kubo: the node's own encoded size plus the cumulative sizes its links record (no walk of the DAG)
    const bytes = await collectBytes(ipfs != null ? ipfs.block(cid, options) : this.#repo.blockstore.get(cid, options))
    const links = cid.code === DAG_PB ? decodePb(bytes).Links : []
    const cumulativeSize = links.reduce((sum, l) => sum + (l.Tsize ?? 0), bytes.byteLength)
    return { cid, type, size: type === 'file' ? size : 0, cumulativeSize, blocks: links.length }
  }

  /** Copies an MFS path or `/ipfs/<cid>[/path]` to `to` (which must not exist, unless it is a directory to copy into). */
  cp(from: string, to: string, options: AbortOptions & { parents?: boolean } = {}): Promise<void> {
    return this.#mutate(async () => {
      const source = await this.resolve(from, options)
      return this.#setAt(await this.#target(from, to, options), source, options.parents === true, options)
    })
  }

  /** Moves (renames) an MFS path. */
  mv(from: string, to: string, options: AbortOptions = {}): Promise<void> {
    const fromSegments = parsePath(from)
    if (fromSegments.length === 0) throw new MfsConflictError('cannot move the root')
    return this.#mutate(async () => {
      const source = await this.resolve(from, options)
      const target = await this.#target(from, to, options)
      if (target.join('/').startsWith(`${fromSegments.join('/')}/`))
        throw new MfsConflictError(`cannot move ${from} into itself`)
      await this.#removeAt(fromSegments, options)
      return this.#setAt(target, source, false, options)
    })
  }

  /** Removes a file, or (with `recursive`) a directory; `force` ignores a missing path. */
  rm(path: string, options: AbortOptions & { recursive?: boolean; force?: boolean } = {}): Promise<void> {
    const segments = parsePath(path)
    if (segments.length === 0) throw new MfsConflictError('cannot remove the root')
    return this.#mutate(async () => {
      const cid = await this.#lookup(segments, options)
      if (cid == null) {
        if (options.force === true) return undefined
        throw new MfsNotFoundError(path)
      }
      if (options.recursive !== true && options.force !== true && (await this.#isDir(cid, options)))
        throw new MfsConflictError(`${path} is a directory, use -r to remove directories`)
      return this.#removeAt(segments, options)
    })
  }

  /** Kubo's `files flush`: MFS writes through, so this just reports the CID at `path`. */
  flush(path = '/', options: AbortOptions = {}): Promise<CID> {
    return this.resolve(path, options)
  }

  /** The CID at an MFS path or `/ipfs/<cid>[/path]`. */
  async resolve(path: string, options: AbortOptions = {}): Promise<CID> {
    await this.root()
    const ipfs = /^\/ipfs\/([^/]+)(\/.*)?$/.exec(path)
    if (ipfs != null) {
      const rest = (ipfs[2] ?? '').split('/').filter((s) => s !== '')
      return rest.length === 0 ? parseCid(ipfs[1] ?? '') : this.#walk(parseCid(ipfs[1] ?? ''), rest, path, options)
    }
    const segments = parsePath(path)
    const cid = await this.#lookup(segments, options)
    if (cid == null) throw new MfsNotFoundError(path)
    return cid
  }

  /** Where `cp`/`mv` put `from`: `to` itself, or `to/<name of from>` when `to` is an existing directory. */
  async #target(from: string, to: string, options: AbortOptions): Promise<string[]> {
    const target = parsePath(to)
    const existing = await this.#lookup(target, options)
    if (existing == null) return target
    const name = from
      .split('/')
      .filter((s) => s !== '')
      .at(-1)
    if (!(await this.#isDir(existing, options)) || name == null) throw new MfsConflictError(`${to} already exists`)
    if ((await this.#lookup([...target, name], options)) != null)
      throw new MfsConflictError(`${to}/${name} already exists`)
    return [...target, name]
  }

  async #lookup(segments: string[], options: AbortOptions): Promise<CID | undefined> {
    try {
      return await this.#walk(await this.root(), segments, `/${segments.join('/')}`, options)
    } catch (err) {
      if (err instanceof MfsNotFoundError) return undefined
      throw err
    }
  }

  async #walk(from: CID, segments: string[], path: string, options: AbortOptions): Promise<CID> {
    if (segments.length === 0) return from
    try {
      return (await this.#fs.stat(from, { ...options, path: segments.join('/') })).cid
    } catch (err) {
      const name = (err as { name?: string }).name
      if (name === 'DoesNotExistError' || name === 'NotFoundError' || name === 'NotADirectoryError')
        throw new MfsNotFoundError(path, { cause: err })
      throw err
    }
  }

  async #isDir(cid: CID, options: AbortOptions): Promise<boolean> {
    return (await this.#fs.stat(cid, options)).type === 'directory'
  }

  /** Links `cid` at `segments` and rewrites every directory above it; returns the new root. */
  async #setAt(segments: string[], cid: CID, parents: boolean, options: AbortOptions): Promise<CID> {
    const dirs = await this.#parents(segments, parents, options)
    let child = cid
    for (let i = segments.length - 1; i >= 0; i--) {
      child = await this.#fs.cp(child, dirs[i] as CID, segments[i] as string, { ...options, force: true })
    }
    return child
  }

  async #removeAt(segments: string[], options: AbortOptions): Promise<CID> {
    const dirs = await this.#parents(segments, false, options)
    let child = await this.#fs.rm(dirs[segments.length - 1] as CID, segments.at(-1) as string, options)
    for (let i = segments.length - 2; i >= 0; i--) {
      child = await this.#fs.cp(child, dirs[i] as CID, segments[i] as string, { ...options, force: true })
    }
    return child
  }

  /** The CIDs of the directories above `segments` (root first); missing ones are empty directories when `parents`. */
  async #parents(segments: string[], parents: boolean, options: AbortOptions): Promise<CID[]> {
    const dirs: CID[] = [await this.root()]
    for (let i = 0; i < segments.length - 1; i++) {
      const here = `/${segments.slice(0, i + 1).join('/')}`
      let cid: CID | undefined
      try {
        cid = await this.#walk(dirs[i] as CID, [segments[i] as string], here, options)
      } catch (err) {
        if (!(err instanceof MfsNotFoundError) || !parents) throw err
        cid = await this.#fs.addDirectory({}, options)
      }
      if (!(await this.#isDir(cid, options))) throw new MfsConflictError(`${here} is not a directory`)
      dirs.push(cid)
    }
    return dirs
  }

  /** Runs one change after the previous ones, in a GC session; `fn` returns the new root (or nothing if unchanged). */
  #mutate(fn: () => Promise<CID | undefined>): Promise<void> {
    const run = this.#queue.then(() => this.#change(fn))
    this.#queue = run.catch(() => undefined)
    return run.then(() => undefined)
  }

  async #change(fn: () => Promise<CID | undefined>): Promise<CID> {
    return this.#repo.gcLock.shared(async () => {
      const root = await fn()
      if (root == null) return this.#root as CID
      await this.#repo.datastore.put(ROOT_KEY, new TextEncoder().encode(formatCid(root)))
      this.#root = root
      return root
    })
  }
}

/** Reads immutable content for `stat` of `/ipfs/` paths: the node's `stat`, and one block (from peers when online). */
export interface IpfsReader {
  stat(
    path: string,
    options: AbortOptions,
  ): Promise<{ cid: { toString(): string }; type: string; size: bigint | number }>
  block(cid: CID, options: AbortOptions): Iterable<Uint8Array> | AsyncIterable<Uint8Array>
}

/** The segments of an absolute MFS path; `.`, `..` and anything not starting with `/` are refused. */
export function parsePath(path: string): string[] {
  if (!path.startsWith('/')) throw new InvalidMfsPathError(path, 'paths must start with "/"')
  const segments = path.split('/').filter((s) => s !== '')
  for (const s of segments) {
    if (s === '.' || s === '..') throw new InvalidMfsPathError(path, '"." and ".." are not allowed')
    if (s.includes('\0')) throw new InvalidMfsPathError(path, 'NUL in a name')
  }
  return segments
}
