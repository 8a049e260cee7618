import { type Dirent, existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { type CID, type NodeConfig, validateConfig } from '@ipfrs/core'
import type { RepoStat } from '@ipfrs/node-api'
import type { FsBlockstore } from 'blockstore-fs'
import { NextToLast } from 'blockstore-fs/sharding'
import type { LevelDatastore } from 'datastore-level'
import type { Blockstore } from 'interface-blockstore'
import { blockKeyOfFile, isBlockTempFile, listBlockKeys, removeBlockTempFiles } from './block-files.js'
import { CompressionBlockstore } from './compression.js'
import { RepoDatastore } from './datastore.js'
import { createEncryption, EncryptedBlockstore, type KeyCheckRecord, unlockEncryption } from './encryption.js'
import {
  IdentityMismatchError,
  PassphraseRequiredError,
  RepoExistsError,
  RepoLockedError,
  RepoNotInitializedError,
} from './errors.js'
import { RepoFsBlockstore } from './fs-blockstore.js'
import { OrphanGarbageCollector } from './gc.js'
import { GcLock } from './gc-lock.js'
import { GuardedBlockstore } from './guarded-blockstore.js'
import { createIdentity, type Identity, loadIdentity } from './keystore.js'
import { RepoLock } from './lock.js'
import { NamedKeys } from './named-keys.js'
import { Pins } from './pins.js'
import { type VerifyResult, verifyBlocks } from './verify.js'

/** The repo format this code writes and reads. */
export const REPO_VERSION = 1

const CONFIG_FILE = 'config'
/** Block files are named by base32 multihash, in folders named by its next-to-last two characters (as Kubo's flatfs). */
const SHARDING = new NextToLast()
const KEYCHECK_FILE = 'keycheck.json'
/** GC removes a block write's temp file once it is this old (a write in progress renames it within milliseconds). */
const TEMP_FILE_MAX_AGE_MS = 60_000

/** Sections of the config given at init; each overrides the defaults key by key. */
export type ConfigOverrides = { [S in keyof NodeConfig]?: Partial<NodeConfig[S]> } & Record<string, unknown>

export interface RepoInitOptions {
  config?: ConfigOverrides
  /** Required when `config.Encryption.Enabled` is true. */
  passphrase?: string
}

export interface RepoOpenOptions {
  /** The passphrase of an encrypted repo. */
  passphrase?: string
}

/** What `repo stat` reports, with Kubo's field names (the contract's type). */
export type { RepoStat } from '@ipfrs/node-api'

/**
 * An open IPFRS repo: config, identity, the block stack (file blocks ← encryption ← compression), the LevelDB
 * datastore, pins and GC. Open it once per process: `open` takes the repo lock until `close`.
 */
export class Repo {
  readonly path: string
  /** The node's peer ID: the config's `Identity.PeerID` (the key's, for a config without one). */
  readonly peerId: string
  /** The store to read and write blocks through (compressed and encrypted as configured). */
  readonly blockstore: Blockstore
  /** The files on disk: the stored (framed) bytes, one file per block. */
  readonly files: FsBlockstore
  readonly datastore: LevelDatastore
  readonly pins: Pins
  /** Named keys (`ipfrs key`), `self` being the identity. */
  readonly keys: NamedKeys
  /** What keeps GC and writes apart, per block (see `GcLock`): run a write that ends in a pin in `gcLock.shared`. */
  readonly gcLock: GcLock
  readonly gc: OrphanGarbageCollector
  #config: NodeConfig
  #identity: Promise<Identity> | undefined
  readonly #lock: RepoLock
  /** Whether `blockstore` encrypts (as opened: a config saved since takes effect on the next open). */
  readonly #encrypted: boolean

  private constructor(init: {
    path: string
    config: NodeConfig
    peerId: string
    /** Already loaded (a config without a peer ID); else loaded by `identity()` on first use. */
    identity?: Identity
    files: FsBlockstore
    blockstore: Blockstore
    datastore: LevelDatastore
    lock: RepoLock
    gcLock: GcLock
  }) {
    this.#encrypted = init.config.Encryption.Enabled
    this.path = init.path
    this.#config = init.config
    this.peerId = init.peerId
    if (init.identity !== undefined) this.#identity = Promise.resolve(init.identity)
    this.files = init.files
    this.blockstore = init.blockstore
    this.datastore = init.datastore
    this.#lock = init.lock
    this.gcLock = init.gcLock
    this.pins = new Pins({ datastore: this.datastore, blockstore: this.blockstore })
    this.keys = new NamedKeys(this.path, this.peerId, () => this.identity())
    this.gc = new OrphanGarbageCollector({
      blockstore: this.files,
      blockKeys: () => this.blockKeys(),
      pins: this.pins,
      lock: this.gcLock,
      blockAgeSeconds: async (cid) => {
        try {
          return await this.blockAgeSeconds(cid)
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
          throw err
        }
      },
      removeTempFiles: () =>
        removeBlockTempFiles(this.files.path, {
          olderThanMs: TEMP_FILE_MAX_AGE_MS,
          spare: (file) => {
            const key = blockKeyOfFile(file)
            return key !== undefined && this.gcLock.holds(key)
          },
        }),
    })
  }

  /**
   * The node's identity (its Ed25519 private key), read from the keystore on first use: only what signs or goes
   * online needs it. Rejects with `ERR_IDENTITY_MISMATCH` when the key is not the config's peer ID's.
   */
  identity(): Promise<Identity> {
    this.#identity ??= loadIdentity(this.path).then((identity) => {
      if (identity.peerId !== this.peerId) throw new IdentityMismatchError(this.peerId, identity.peerId)
      return identity
    })
    return this.#identity
  }

  /** Whether `path` holds a repo. */
  static isInitialized(path: string): boolean {
    return existsSync(join(path, CONFIG_FILE))
  }

  /** Creates a repo: config, Ed25519 identity, blocks/ and datastore/. Throws `ERR_REPO_EXISTS` if there is one. */
  static async init(path: string, options: RepoInitOptions = {}): Promise<NodeConfig> {
    const root = resolve(path)
    if (Repo.isInitialized(root)) throw new RepoExistsError(root)
    const config = validateConfig(options.config ?? {}) // fills every section's missing keys with defaults
    if (config.Encryption.Enabled && !options.passphrase) throw new PassphraseRequiredError()
    await mkdir(join(root, 'blocks'), { recursive: true })
    await mkdir(join(root, 'datastore'), { recursive: true })
    if (config.Encryption.Enabled && options.passphrase) {
      const { record } = await createEncryption(options.passphrase, config.Encryption.Algorithm)
      await writeAtomic(join(root, KEYCHECK_FILE), JSON.stringify(record, null, 2))
    }
    const identity = await createIdentity(root)
    config.Identity.PeerID = identity.peerId
    await writeFile(join(root, 'version'), `${REPO_VERSION}\n`)
    // the config goes last: a repo without one is not initialized, so an interrupted init can simply be re-run
    await writeAtomic(join(root, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`)
    return config
  }

  /** Opens the repo at `path` for reading and writing; throws `ERR_REPO_LOCKED` while another process has it open. */
  static async open(path: string, options: RepoOpenOptions = {}): Promise<Repo> {
    const root = resolve(path)
    if (!Repo.isInitialized(root)) throw new RepoNotInitializedError(root)
    const lock = RepoLock.acquire(root)
    try {
      const config = validateConfig(JSON.parse(await readFile(join(root, CONFIG_FILE), 'utf8')))
      // the key is read when something needs it (see identity()); a config without a peer ID takes the key's now
      const identity = config.Identity.PeerID === '' ? await loadIdentity(root) : undefined
      const peerId = identity?.peerId ?? config.Identity.PeerID
      const files = new RepoFsBlockstore(join(root, 'blocks'), { shardingStrategy: SHARDING })
      await files.open()
      // temp files of writes cut short (kill -9, a full disk): with the lock held, nothing else is writing
      await removeBlockTempFiles(files.path)
      let blockstore: Blockstore = files
      if (config.Encryption.Enabled) {
        if (!options.passphrase) throw new PassphraseRequiredError()
        const record = JSON.parse(await readFile(join(root, KEYCHECK_FILE), 'utf8')) as KeyCheckRecord
        const key = await unlockEncryption(record, options.passphrase)
        blockstore = new EncryptedBlockstore(blockstore, { key, algorithm: record.algorithm })
      }
      // the compression layer is always present: it reads every frame, whatever the setting was when written
      blockstore = new CompressionBlockstore(blockstore, {
        algorithm: config.Compression.Algorithm,
        level: config.Compression.Level,
        minSize: config.Compression.MinSize,
      })
      const datastore = new RepoDatastore(join(root, 'datastore'))
      try {
        await datastore.open()
      } catch (err) {
        // LevelDB's own OS lock: another process got past repo.lock (it cannot, unless it ignores it)
        if (/lock/i.test(String((err as Error).cause ?? err)))
          throw new RepoLockedError(root, RepoLock.holder(root) ?? -1)
        throw err
      }
      const gcLock = new GcLock()
      blockstore = new GuardedBlockstore(blockstore, gcLock)
      return new Repo({ path: root, config, peerId, identity, files, blockstore, datastore, lock, gcLock })
    } catch (err) {
      lock.release()
      throw err
    }
  }

  get config(): NodeConfig {
    return structuredClone(this.#config)
  }

  /** Validates and writes a new config (atomically: temp file, then rename). Takes effect on the next open. */
  async saveConfig(config: NodeConfig): Promise<void> {
    const valid = validateConfig(config)
    await writeAtomic(join(this.path, CONFIG_FILE), `${JSON.stringify(valid, null, 2)}\n`)
    this.#config = valid
  }

  /** Seconds since the block was last written (from its file's mtime). */
  async blockAgeSeconds(cid: CID): Promise<number> {
    const info = await stat(this.blockFile(cid))
    return (Date.now() - info.mtimeMs) / 1000
  }

  /** The path of the file that holds a block. */
  blockFile(cid: CID): string {
    const { dir, file } = SHARDING.encode(cid)
    return join(this.files.path, dir, file)
  }

  /**
   * The file of a block when it may hold the block's own bytes (an unencrypted repo; a block may still be stored
   * compressed or escaped, which its bytes tell), for readers that read block files directly and verify what they
   * read; undefined when every block is stored encrypted (read those through `blockstore`).
   */
  plainBlockFile(cid: CID): string | undefined {
    return this.#encrypted ? undefined : this.blockFile(cid)
  }

  /** Every stored block, as raw CIDv1s (blocks are stored by multihash). */
  blockKeys(): AsyncGenerator<CID> {
    return listBlockKeys(this.files.path)
  }

  /** Re-hashes every block; reports the ones that are corrupt or unreadable. */
  verify(options: Parameters<typeof verifyBlocks>[2] = {}): Promise<VerifyResult> {
    return verifyBlocks(this.blockKeys(), this.blockstore, options)
  }

  /** Kubo's `repo stat`: object count, bytes on disk, the configured maximum. */
  async stat(): Promise<RepoStat> {
    let numObjects = 0
    for await (const _ of this.blockKeys()) numObjects++
    return {
      NumObjects: numObjects,
      RepoSize: await diskUsage(this.path),
      StorageMax: parseSize(this.#config.Datastore.StorageMax),
      RepoPath: this.path,
      Version: `fs-repo@${REPO_VERSION}`,
    }
  }

  /** Closes the datastore and releases the repo lock. */
  async close(): Promise<void> {
    try {
      await this.files.close()
      await this.datastore.close()
    } finally {
      this.#lock.release()
    }
  }
}

async function writeAtomic(file: string, contents: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, contents, { mode: 0o600 })
  await rename(tmp, file)
}

async function diskUsage(dir: string): Promise<number> {
  let total = 0
  let entries: Dirent[]
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
  for (const entry of entries) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) total += await diskUsage(full)
    else if (entry.isFile() && !isBlockTempFile(entry.name)) total += await sizeOf(full)
  }
  return total
}

/** A file's size; 0 when it was removed meanwhile (GC runs alongside). */
async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
}

const UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KIB: 2 ** 10,
  MIB: 2 ** 20,
  GIB: 2 ** 30,
  TIB: 2 ** 40,
}

/** Parses `10GB`, `512MiB`, `1024` into bytes. */
export function parseSize(size: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?$/i.exec(size.trim())
  if (m == null) return Number.NaN
  return Math.round(Number(m[1]) * (UNITS[(m[2] ?? 'B').toUpperCase()] ?? 1))
}
