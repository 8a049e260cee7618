/**
 * `GradientCheckpoint`: atomic checkpoint/resume of training-like state (step, named tensors as bytes, a graph root
 * CID, JSON metadata) in a directory. Layout:
 *
 *   HEAD                  JSON naming the last N checkpoints (newest first) with a checksum
 *   manifests/<sha256>.json   one manifest per checkpoint; its name is the hash of its bytes
 *   blobs/<sha256>        tensor bytes, content-addressed (unchanged tensors are shared between checkpoints)
 *
 * A save writes and fsyncs blobs, then the manifest, then swaps HEAD (temp file, fsync, rename, directory fsync), then
 * deletes what no kept checkpoint names. A crash at any point leaves the previous HEAD and everything it names intact.
 * One writer per directory at a time. Uses only erasable TypeScript so a child process can run it by type stripping.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { CheckpointNotFoundError, CorruptCheckpointError, InvalidCheckpointError } from './graph-errors.js'

/** What a checkpoint holds. */
export interface CheckpointState {
  /** The training step (a non-negative safe integer). */
  readonly step: number
  /** Named tensors as raw bytes. */
  readonly tensors: Readonly<Record<string, Uint8Array>>
  /** The root of the computation graph this state belongs to. */
  readonly graphRoot?: CID
  /** Any JSON value. */
  readonly metadata?: unknown
}

/** A checkpoint as listed in HEAD. `id` is the hex sha-256 of its manifest; `seq` counts saves in this directory. */
export interface CheckpointInfo {
  readonly id: string
  readonly seq: number
  readonly step: number
}

/** A loaded, verified checkpoint. */
export interface LoadedCheckpoint extends CheckpointInfo {
  readonly createdAt: string
  readonly tensors: ReadonlyMap<string, Uint8Array>
  readonly graphRoot?: CID
  readonly metadata: unknown
}

/** Options of `GradientCheckpoint.open`. */
export interface GradientCheckpointOptions {
  /** How many checkpoints to keep (default 3, at least 1); older ones are deleted after each save. */
  keep?: number
  /** fsync files and directories (default true). Turning it off keeps atomicity but not durability. */
  fsync?: boolean
}

interface ManifestTensor {
  name: string
  sha256: string
  length: number
}

interface Manifest {
  version: 1
  seq: number
  step: number
  createdAt: string
  graphRoot: string | null
  metadata: unknown
  tensors: ManifestTensor[]
}

interface Head {
  version: 1
  checkpoints: CheckpointInfo[]
  sum: string
}

const HEX64 = /^[0-9a-f]{64}$/
const sha256hex = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex')
const isTemp = (name: string) => name.includes('.tmp-')

/** Atomic, verified checkpoints of training state in one directory. */
export class GradientCheckpoint {
  readonly dir: string
  readonly keep: number
  readonly #fsync: boolean
  #queue: Promise<unknown> = Promise.resolve()

  private constructor(dir: string, options: GradientCheckpointOptions) {
    this.dir = dir
    this.keep = Math.max(1, Math.floor(options.keep ?? 3))
    this.#fsync = options.fsync ?? true
  }

  /** Opens (creating if needed) a checkpoint directory and removes temp files a crashed save left behind. */
  static async open(dir: string, options: GradientCheckpointOptions = {}): Promise<GradientCheckpoint> {
    const cp = new GradientCheckpoint(dir, options)
    await mkdir(join(dir, 'blobs'), { recursive: true })
    await mkdir(join(dir, 'manifests'), { recursive: true })
    for (const sub of ['', 'blobs', 'manifests'])
      for (const name of await readdir(join(dir, sub)))
        if (isTemp(name)) await rm(join(dir, sub, name), { force: true })
    return cp
  }

  /**
   * Saves `state` as the newest checkpoint and returns its id. Saves on one instance run one at a time. An abort
   * before HEAD is swapped leaves the previous checkpoint current (the files written so far are collected later).
   */
  save(state: CheckpointState, options: { signal?: AbortSignal } = {}): Promise<CheckpointInfo> {
    const run = this.#queue.then(() => this.#save(state, options.signal))
    this.#queue = run.catch(() => undefined)
    return run
  }

  /** The kept checkpoints, newest first. Throws `ERR_CORRUPT_CHECKPOINT` if HEAD is damaged. */
  async list(): Promise<CheckpointInfo[]> {
    return [...((await this.#readHead())?.checkpoints ?? [])]
  }

  /**
   * Loads and verifies a checkpoint: the newest, or the one with this id or seq. Every file is checked against its
   * hash; a mismatch throws `ERR_CORRUPT_CHECKPOINT`, an unknown id `ERR_CHECKPOINT_NOT_FOUND`.
   */
  async load(which?: string | number): Promise<LoadedCheckpoint> {
    const list = await this.list()
    const info = which === undefined ? list[0] : list.find((c) => c.id === which || c.seq === which)
    if (info === undefined) throw new CheckpointNotFoundError(which === undefined ? `in ${this.dir}` : String(which))
    return this.#load(info)
  }

  /** Loads the newest checkpoint that verifies, skipping corrupt ones; throws the last error if none does. */
  async loadLatestValid(): Promise<LoadedCheckpoint> {
    let last: unknown = new CheckpointNotFoundError(`in ${this.dir}`)
    for (const info of await this.list()) {
      try {
        return await this.#load(info)
      } catch (err) {
        if (!(err instanceof CorruptCheckpointError)) throw err
        last = err
      }
    }
    throw last
  }

  /**
   * Rebuilds HEAD from the manifests on disk (e.g. after `ERR_CORRUPT_CHECKPOINT` on HEAD): keeps the newest `keep`
   * checkpoints whose manifest and tensors all verify, and returns them newest first.
   */
  recover(): Promise<CheckpointInfo[]> {
    const run = this.#queue.then(async () => {
      const found: CheckpointInfo[] = []
      for (const name of await readdir(join(this.dir, 'manifests'))) {
        const id = name.slice(0, -'.json'.length)
        if (!name.endsWith('.json') || !HEX64.test(id)) continue
        try {
          const m = await this.#readManifest(id)
          const info = { id, seq: m.seq, step: m.step }
          await this.#load(info)
          found.push(info)
        } catch (err) {
          if (!(err instanceof CorruptCheckpointError)) throw err
        }
      }
      const checkpoints = found.sort((a, b) => b.seq - a.seq).slice(0, this.keep)
      const head: Head = { version: 1, checkpoints, sum: sha256hex(JSON.stringify(checkpoints)) }
      await this.#writeAtomic(this.dir, 'HEAD', Buffer.from(JSON.stringify(head)))
      return checkpoints
    })
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #save(state: CheckpointState, signal: AbortSignal | undefined): Promise<CheckpointInfo> {
    const { step, tensors, graphRoot, metadata } = validate(state)
    const head = await this.#readHead()
    const seq = (head?.checkpoints[0]?.seq ?? 0) + 1
    const entries: ManifestTensor[] = []
    for (const name of Object.keys(tensors).sort()) {
      signal?.throwIfAborted()
      const bytes = tensors[name]!
      const sha256 = sha256hex(bytes)
      await this.#putBlob(sha256, bytes)
      entries.push({ name, sha256, length: bytes.byteLength })
    }
    if (entries.length > 0) await this.#syncDir(join(this.dir, 'blobs'))
    const manifest: Manifest = {
      version: 1,
      seq,
      step,
      createdAt: new Date().toISOString(),
      graphRoot: graphRoot?.toString() ?? null,
      metadata: metadata ?? null,
      tensors: entries,
    }
    const manifestBytes = Buffer.from(JSON.stringify(manifest))
    const id = sha256hex(manifestBytes)
    await this.#writeAtomic(join(this.dir, 'manifests'), `${id}.json`, manifestBytes)
    signal?.throwIfAborted()
    const info: CheckpointInfo = { id, seq, step }
    const checkpoints = [info, ...(head?.checkpoints ?? [])].slice(0, this.keep)
    const newHead: Head = { version: 1, checkpoints, sum: sha256hex(JSON.stringify(checkpoints)) }
    await this.#writeAtomic(this.dir, 'HEAD', Buffer.from(JSON.stringify(newHead)))
    await this.#gc(checkpoints)
    return info
  }

  async #load(info: CheckpointInfo): Promise<LoadedCheckpoint> {
    const manifest = await this.#readManifest(info.id)
    const tensors = new Map<string, Uint8Array>()
    for (const t of manifest.tensors) {
      let bytes: Uint8Array
      try {
        bytes = await readFile(join(this.dir, 'blobs', t.sha256))
      } catch (err) {
        throw new CorruptCheckpointError(`checkpoint ${info.seq}: tensor "${t.name}" is missing`, { cause: err })
      }
      if (bytes.byteLength !== t.length || sha256hex(bytes) !== t.sha256)
        throw new CorruptCheckpointError(`checkpoint ${info.seq}: tensor "${t.name}" does not match its hash`)
      tensors.set(t.name, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    }
    const loaded = { ...info, createdAt: manifest.createdAt, tensors, metadata: manifest.metadata }
    return manifest.graphRoot === null ? loaded : { ...loaded, graphRoot: CID.parse(manifest.graphRoot) }
  }

  async #readManifest(id: string): Promise<Manifest> {
    let bytes: Buffer
    try {
      bytes = await readFile(join(this.dir, 'manifests', `${id}.json`))
    } catch (err) {
      throw new CorruptCheckpointError(`manifest ${id} is missing`, { cause: err })
    }
    if (sha256hex(bytes) !== id) throw new CorruptCheckpointError(`manifest ${id} does not match its hash`)
    try {
      const m = JSON.parse(bytes.toString('utf8')) as Manifest
      if (m.version !== 1 || !Array.isArray(m.tensors)) throw new Error('unknown manifest version')
      if (m.graphRoot !== null) CID.parse(m.graphRoot)
      for (const t of m.tensors) if (!HEX64.test(t.sha256)) throw new Error(`bad tensor hash ${t.sha256}`)
      return m
    } catch (err) {
      throw new CorruptCheckpointError(`manifest ${id} does not parse`, { cause: err })
    }
  }

  async #readHead(): Promise<Head | undefined> {
    let text: string
    try {
      text = await readFile(join(this.dir, 'HEAD'), 'utf8')
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return undefined
      throw err
    }
    let head: Head
    try {
      head = JSON.parse(text) as Head
    } catch (err) {
      throw new CorruptCheckpointError('HEAD does not parse', { cause: err })
    }
    const ok =
      head !== null &&
      head.version === 1 &&
      Array.isArray(head.checkpoints) &&
      head.sum === sha256hex(JSON.stringify(head.checkpoints)) &&
      head.checkpoints.every((c) => HEX64.test(c.id) && Number.isSafeInteger(c.seq) && Number.isSafeInteger(c.step))
    if (!ok) throw new CorruptCheckpointError('HEAD does not match its checksum')
    return head
  }

  /** Writes a blob unless an intact copy is already there (a damaged copy is replaced). */
  async #putBlob(sha256: string, bytes: Uint8Array): Promise<void> {
    const path = join(this.dir, 'blobs', sha256)
    try {
      const existing = await readFile(path)
      if (sha256hex(existing) === sha256) return
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ENOENT') throw err
    }
    await this.#writeAtomic(join(this.dir, 'blobs'), sha256, bytes, false)
  }

  /** temp file + fsync + rename (+ directory fsync): readers see the old file or the whole new one. */
  async #writeAtomic(dir: string, name: string, bytes: Uint8Array, syncDir = true): Promise<void> {
    const tmp = join(dir, `${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
    const fh = await open(tmp, 'w')
    try {
      await fh.writeFile(bytes)
      if (this.#fsync) await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, join(dir, name))
    if (syncDir) await this.#syncDir(dir)
  }

  async #syncDir(dir: string): Promise<void> {
    if (!this.#fsync) return
    const fh = await open(dir, 'r')
    try {
      await fh.sync()
    } finally {
      await fh.close()
    }
  }

  /** Deletes manifests HEAD no longer names and blobs no kept manifest names. Skips blobs if a manifest is unreadable. */
  async #gc(kept: readonly CheckpointInfo[]): Promise<void> {
    const keptIds = new Set(kept.map((c) => `${c.id}.json`))
    for (const name of await readdir(join(this.dir, 'manifests')))
      if (!keptIds.has(name) && !isTemp(name)) await rm(join(this.dir, 'manifests', name), { force: true })
    const referenced = new Set<string>()
    for (const c of kept) {
      try {
        for (const t of (await this.#readManifest(c.id)).tensors) referenced.add(t.sha256)
      } catch {
        return
      }
    }
    for (const name of await readdir(join(this.dir, 'blobs')))
      if (!referenced.has(name) && !isTemp(name)) await rm(join(this.dir, 'blobs', name), { force: true })
  }
}

function validate(state: CheckpointState): CheckpointState {
  if (state === null || typeof state !== 'object') throw new InvalidCheckpointError('state must be an object')
  if (!Number.isSafeInteger(state.step) || state.step < 0)
    throw new InvalidCheckpointError(`step must be a non-negative integer, got ${String(state.step)}`)
  if (state.tensors === null || typeof state.tensors !== 'object')
    throw new InvalidCheckpointError('tensors must be an object of byte arrays')
  for (const [name, bytes] of Object.entries(state.tensors)) {
    if (name.length === 0 || name.length > 1024)
      throw new InvalidCheckpointError(`tensor name "${name}" is not 1..1024`)
    if (!(bytes instanceof Uint8Array)) throw new InvalidCheckpointError(`tensor "${name}" is not a Uint8Array`)
  }
  if (state.graphRoot !== undefined && CID.asCID(state.graphRoot) == null)
    throw new InvalidCheckpointError('graphRoot is not a CID')
  if (state.metadata !== undefined) {
    let text: string | undefined
    try {
      text = JSON.stringify(state.metadata)
    } catch (err) {
      throw new InvalidCheckpointError(`metadata is not JSON: ${(err as Error).message}`)
    }
    if (text === undefined) throw new InvalidCheckpointError('metadata is not JSON')
  }
  return state
}
