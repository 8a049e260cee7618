import { chmod, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { IpfrsError } from '@ipfrs/core/errors'
import type { KeyInfo } from '@ipfrs/node-api'
import type { PrivateKey } from '@libp2p/interface'
import { base36 } from 'multiformats/bases/base36'
import type { Identity } from './keystore.js'
import { libp2pKeys } from './libp2p-keys.js'

/** The name of the node's own key (its identity), as in Kubo. */
export const SELF = 'self'

/** Key names: letters, digits, `.`, `_`, `-`; 1 to 64 characters; not starting with a dot. */
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/

/** One key of the keystore (the contract's type): its name and the peer ID it signs for. */
export type { KeyInfo } from '@ipfrs/node-api'

/** A key name that is not allowed (empty, `/`, a leading dot, too long, or `self` where self cannot be used). */
export class InvalidKeyNameError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_KEY_NAME'
  constructor(name: string, why = 'key names are 1-64 letters, digits, ".", "_" or "-", not starting with "."') {
    super(InvalidKeyNameError.code, `invalid key name "${name.slice(0, 80)}": ${why}`)
  }
}

/** `key gen`/`rename`/`import` to a name that is taken (without `--force`). */
export class KeyExistsError extends IpfrsError {
  static override readonly httpStatus = 409
  static readonly code = 'ERR_KEY_EXISTS'
  constructor(name: string) {
    super(KeyExistsError.code, `key with name "${name}" already exists`)
  }
}

/** A key name the keystore does not hold. */
export class KeyNotFoundError extends IpfrsError {
  static override readonly httpStatus = 404
  static readonly code = 'ERR_KEY_NOT_FOUND'
  constructor(name: string) {
    super(KeyNotFoundError.code, `no key named "${name}"`)
  }
}

/** Key bytes that are not a libp2p protobuf private key. */
export class InvalidKeyError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_KEY'
  constructor(options?: { cause?: unknown }) {
    super(InvalidKeyError.code, 'the key is not a libp2p protobuf-encoded private key', options)
  }
}

/**
 * The repo's named keys (Kubo's `ipfs key`): Ed25519 private keys in `<repo>/keystore/<name>` (libp2p protobuf,
 * mode 0600). `self` is the node's identity: it is listed and can sign, but cannot be removed, renamed or replaced.
 */
export class NamedKeys {
  readonly #dir: string
  readonly #selfId: string
  readonly #self: () => Promise<Identity>

  /** `selfId`: the node's peer ID; `self`: loads its identity (when a command uses the key). */
  constructor(repoPath: string, selfId: string, self: () => Promise<Identity>) {
    this.#dir = join(repoPath, 'keystore')
    this.#selfId = selfId
    this.#self = self
  }

  /** Creates an Ed25519 key named `name`. */
  async gen(name: string): Promise<KeyInfo> {
    checkName(name, true)
    const key = await (await libp2pKeys()).generateKeyPair('Ed25519')
    await this.#write(name, key, false)
    return { name, id: await ipnsId(key) }
  }

  /** Every key, `self` first, then by name. */
  async list(): Promise<KeyInfo[]> {
    const names = (await readdir(this.#dir)).filter((n) => n !== SELF && NAME.test(n)).sort()
    const { peerIdFromString } = await libp2pKeys()
    const keys: KeyInfo[] = [{ name: SELF, id: peerIdFromString(this.#selfId).toCID().toString(base36) }]
    for (const name of names) keys.push({ name, id: await ipnsId(await this.get(name)) })
    return keys
  }

  /** The private key named `name` (`self` is the identity). */
  async get(name: string): Promise<PrivateKey> {
    if (name === SELF) return (await this.#self()).privateKey
    checkName(name, true)
    let bytes: Uint8Array
    try {
      bytes = await readFile(this.#file(name))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new KeyNotFoundError(name)
      throw err
    }
    return (await libp2pKeys()).privateKeyFromProtobuf(bytes)
  }

  /** Removes a key; returns what it was. */
  async rm(name: string): Promise<KeyInfo> {
    checkName(name, true)
    const key = await this.get(name)
    await rm(this.#file(name))
    return { name, id: await ipnsId(key) }
  }

  /** Renames a key; with `force`, over an existing one. */
  async rename(from: string, to: string, force = false): Promise<KeyInfo & { overwrite: boolean }> {
    checkName(from, true)
    checkName(to, true)
    const key = await this.get(from)
    const exists = await this.#exists(to)
    if (exists && !force) throw new KeyExistsError(to)
    await rename(this.#file(from), this.#file(to))
    return { name: to, id: await ipnsId(key), overwrite: exists }
  }

  /** The key's libp2p protobuf bytes (Kubo's `key export` default format). */
  async export(name: string): Promise<Uint8Array> {
    return (await libp2pKeys()).privateKeyToProtobuf(await this.get(name))
  }

  /** Stores protobuf key bytes under `name`. */
  async import(name: string, bytes: Uint8Array, force = false): Promise<KeyInfo> {
    checkName(name, true)
    const { privateKeyFromProtobuf } = await libp2pKeys()
    let key: PrivateKey
    try {
      key = privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new InvalidKeyError({ cause: err })
    }
    await this.#write(name, key, force)
    return { name, id: await ipnsId(key) }
  }

  async #write(name: string, key: PrivateKey, force: boolean): Promise<void> {
    const file = this.#file(name)
    const { privateKeyToProtobuf } = await libp2pKeys()
    // 'wx' fails when the file exists: two concurrent gens of one name cannot both win
    try {
      await writeFile(file, privateKeyToProtobuf(key), { mode: 0o600, flag: force ? 'w' : 'wx' })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new KeyExistsError(name)
      throw err
    }
    await chmod(file, 0o600)
  }

  async #exists(name: string): Promise<boolean> {
    try {
      await readFile(this.#file(name))
      return true
    } catch {
      return false
    }
  }

  #file(name: string): string {
    return join(this.#dir, name)
  }
}

/** A key's IPNS name as Kubo prints it: its peer ID as a CIDv1 libp2p-key in base36 (`k51…`). */
async function ipnsId(key: PrivateKey): Promise<string> {
  return (await libp2pKeys()).peerIdFromPrivateKey(key).toCID().toString(base36)
}

function checkName(name: string, notSelf: boolean): void {
  if (!NAME.test(name)) throw new InvalidKeyNameError(name)
  if (notSelf && name === SELF) throw new InvalidKeyNameError(name, '"self" is the node\'s own key')
}
