import { createCipheriv, createDecipheriv, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { ENCRYPTION_ALGORITHMS, type EncryptionAlgorithm } from '@ipfrs/core'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { DecryptionError, WrongKeyError } from './errors.js'
import { TransformBlockstore } from './transform-blockstore.js'

/**
 * Stored form of an encrypted block:
 *
 *   magic `f1 1f 45 43` | version `01` | algorithm id (`01` AES-256-GCM, `02` ChaCha20-Poly1305) | 12-byte nonce |
 *   ciphertext (as long as the plaintext) | 16-byte AEAD tag
 *
 * The nonce is random per write (96 bits: safe for far more writes than a repo makes under one key). The additional
 * authenticated data is the block's multihash, the part of the CID that names the stored file, so a valid ciphertext
 * moved under another block's name fails authentication, while the same block read under a CIDv0 or a CIDv1 of any
 * codec (which share one file) still decrypts.
 */
export const ENCRYPTION_MAGIC = Uint8Array.of(0xf1, 0x1f, 0x45, 0x43)
const VERSION = 1
const NONCE = 12
const TAG = 16
const HEADER = ENCRYPTION_MAGIC.byteLength + 2 + NONCE
const ALGORITHM_IDS: Record<EncryptionAlgorithm, number> = { 'aes-256-gcm': 1, 'chacha20-poly1305': 2 }
const ALGORITHMS_BY_ID = new Map(Object.entries(ALGORITHM_IDS).map(([name, id]) => [id, name as EncryptionAlgorithm]))

/** The key and the cipher new blocks are written with (blocks are read with whichever cipher their header names). */
export interface EncryptionOptions {
  /** 32 bytes, from `createEncryption` / `unlockEncryption`. */
  key: Uint8Array
  algorithm: EncryptionAlgorithm
}

/** Encrypts one block's bytes into the stored form above (`aad` is the block's multihash). */
export function seal(bytes: Uint8Array, aad: Uint8Array, options: EncryptionOptions): Uint8Array {
  checkKey(options)
  const nonce = randomBytes(NONCE)
  const cipher = createCipheriv(options.algorithm as 'aes-256-gcm', options.key, nonce, { authTagLength: TAG })
  cipher.setAAD(aad)
  const body = cipher.update(bytes)
  const final = cipher.final()
  const tag = cipher.getAuthTag()
  const out = new Uint8Array(HEADER + body.byteLength + final.byteLength + TAG)
  out.set(ENCRYPTION_MAGIC, 0)
  out[4] = VERSION
  out[5] = ALGORITHM_IDS[options.algorithm]
  out.set(nonce, 6)
  out.set(body, HEADER)
  out.set(final, HEADER + body.byteLength)
  out.set(tag, out.byteLength - TAG)
  return out
}

/** Decrypts what `seal` wrote; throws `DecryptionError` for a bad or truncated header, a wrong key or tampered bytes. */
export function open(stored: Uint8Array, aad: Uint8Array, key: Uint8Array): Uint8Array {
  if (stored.byteLength < HEADER + TAG) throw new DecryptionError('encrypted block is truncated')
  for (let i = 0; i < ENCRYPTION_MAGIC.byteLength; i++) {
    if (stored[i] !== ENCRYPTION_MAGIC[i])
      throw new DecryptionError('stored block is not encrypted (no encryption header)')
  }
  if (stored[4] !== VERSION) throw new DecryptionError(`unknown encryption format version ${stored[4]}`)
  const algorithm = ALGORITHMS_BY_ID.get(stored[5]!)
  if (algorithm === undefined) throw new DecryptionError(`unknown encryption algorithm id ${stored[5]}`)
  const nonce = stored.subarray(6, HEADER)
  const body = stored.subarray(HEADER, stored.byteLength - TAG)
  try {
    const decipher = createDecipheriv(algorithm as 'aes-256-gcm', key, nonce, { authTagLength: TAG })
    decipher.setAuthTag(stored.subarray(stored.byteLength - TAG))
    decipher.setAAD(aad)
    const head = decipher.update(body)
    const tail = decipher.final()
    return tail.byteLength === 0
      ? new Uint8Array(head.buffer, head.byteOffset, head.byteLength)
      : new Uint8Array(Buffer.concat([head, tail]))
  } catch (err) {
    throw new DecryptionError('encrypted block failed authentication (tampered, or the wrong key)', { cause: err })
  }
}

/**
 * A blockstore that encrypts blocks before they reach the inner store (AES-256-GCM or ChaCha20-Poly1305, a fresh
 * random nonce per write) and authenticates and decrypts them on the way out; a block that fails is never returned,
 * and nothing is written back. Stack compression above it: `new CompressionBlockstore(new EncryptedBlockstore(files))`.
 */
export class EncryptedBlockstore<S extends Blockstore = Blockstore> extends TransformBlockstore<S> {
  readonly #options: EncryptionOptions

  /** Throws `TypeError` unless the key is 32 bytes and the algorithm is known. */
  constructor(inner: S, options: EncryptionOptions) {
    super(inner)
    checkKey(options)
    this.#options = { key: Uint8Array.from(options.key), algorithm: options.algorithm }
  }

  protected encode(cid: CID, bytes: Uint8Array): Uint8Array {
    return seal(bytes, cid.multihash.bytes, this.#options)
  }

  protected decode(cid: CID, stored: Uint8Array): Uint8Array {
    return open(stored, cid.multihash.bytes, this.#options.key)
  }
}

/** What an encrypted repo keeps beside its blocks (`keycheck.json`): how to derive the key, and proof of a passphrase. */
export interface KeyCheckRecord {
  version: 1
  kdf: 'scrypt'
  /** scrypt salt (base64, 16 bytes). */
  salt: string
  N: number
  r: number
  p: number
  /** The cipher new blocks are written with. */
  algorithm: EncryptionAlgorithm
  /** A fixed plaintext sealed with the derived key (base64, in the block format above). */
  check: string
}

/** scrypt cost parameters. */
export interface ScryptParams {
  N: number
  r: number
  p: number
}

/** scrypt N = 2^15, r = 8, p = 1: 32 MiB of memory and about 0.1 s, paid once per repo open. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 }
const MAX_SCRYPT_MEMORY = 1024 ** 3 // what a key check record may make scrypt allocate (128 · N · r bytes)
const CHECK_PLAINTEXT = new TextEncoder().encode('ipfrs key check v1')
const CHECK_AAD = new TextEncoder().encode('ipfrs/keycheck')

/** Derives a 32-byte key from a passphrase (NFC-normalised) with scrypt. */
export function deriveKey(
  passphrase: string,
  salt: Uint8Array,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<Uint8Array> {
  const { N, r, p } = params
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, 32, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(new Uint8Array(key)),
    )
  })
}

/**
 * The record that lets `openKeyCheck` re-derive `key` from the passphrase and tell a wrong passphrase from the right
 * one: the KDF inputs `key` was derived with, and a fixed plaintext sealed with it. JSON-serialisable.
 */
export function createKeyCheck(
  key: Uint8Array,
  derivation: { salt: Uint8Array; params?: ScryptParams; algorithm: EncryptionAlgorithm },
): KeyCheckRecord {
  const { salt, params = DEFAULT_SCRYPT, algorithm } = derivation
  checkParams(params)
  const check = seal(CHECK_PLAINTEXT, CHECK_AAD, { key, algorithm })
  return {
    version: 1,
    kdf: 'scrypt',
    salt: Buffer.from(salt).toString('base64'),
    N: params.N,
    r: params.r,
    p: params.p,
    algorithm,
    check: Buffer.from(check).toString('base64'),
  }
}

/**
 * Re-derives the key from the passphrase and checks it against the record before anything else uses it. Throws
 * `WrongKeyError` (`ERR_WRONG_KEY`) for a wrong passphrase, `DecryptionError` for a malformed record.
 */
export async function openKeyCheck(record: KeyCheckRecord, passphrase: string): Promise<Uint8Array> {
  checkRecord(record)
  const key = await deriveKey(passphrase, Buffer.from(record.salt, 'base64'), record)
  let plain: Uint8Array
  try {
    plain = open(Buffer.from(record.check, 'base64'), CHECK_AAD, key)
  } catch {
    throw new WrongKeyError()
  }
  if (plain.byteLength !== CHECK_PLAINTEXT.byteLength || !timingSafeEqual(plain, CHECK_PLAINTEXT))
    throw new WrongKeyError()
  return key
}

/** A new random-salted key for a repo, and its key check record (store it as `keycheck.json`). */
export async function createEncryption(
  passphrase: string,
  algorithm: EncryptionAlgorithm,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<{ key: Uint8Array; record: KeyCheckRecord }> {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw new TypeError('the passphrase must not be empty')
  checkParams(params)
  const salt = randomBytes(16)
  const key = await deriveKey(passphrase, salt, params)
  return { key, record: createKeyCheck(key, { salt, params, algorithm }) }
}

/** The repo's key from its key check record and the passphrase; `WrongKeyError` when the passphrase is wrong. */
export function unlockEncryption(record: KeyCheckRecord, passphrase: string): Promise<Uint8Array> {
  return openKeyCheck(record, passphrase)
}

function checkKey(options: EncryptionOptions): void {
  if (!(options.key instanceof Uint8Array) || options.key.byteLength !== 32)
    throw new TypeError('encryption key must be 32 bytes')
  if (!(ENCRYPTION_ALGORITHMS as readonly string[]).includes(options.algorithm))
    throw new TypeError(`unknown encryption algorithm "${options.algorithm}"`)
}

function checkParams({ N, r, p }: ScryptParams): void {
  const ok =
    Number.isInteger(N) && N >= 2 && (N & (N - 1)) === 0 && Number.isInteger(r) && r >= 1 && Number.isInteger(p)
  if (!ok || p < 1 || p > 16 || 128 * N * r > MAX_SCRYPT_MEMORY)
    throw new TypeError(`scrypt parameters out of range (N=${N}, r=${r}, p=${p})`)
}

function checkRecord(record: KeyCheckRecord): void {
  const problem = (() => {
    if (record == null || typeof record !== 'object') return 'not an object'
    if (record.version !== 1) return `unknown version ${record.version}`
    if (record.kdf !== 'scrypt') return `unknown kdf ${record.kdf}`
    if (!(ENCRYPTION_ALGORITHMS as readonly string[]).includes(record.algorithm))
      return `unknown algorithm ${record.algorithm}`
    if (typeof record.salt !== 'string' || Buffer.from(record.salt, 'base64').byteLength < 8) return 'bad salt'
    if (typeof record.check !== 'string') return 'no check value'
    try {
      checkParams(record)
    } catch (err) {
      return (err as Error).message
    }
    return undefined
  })()
  if (problem !== undefined) throw new DecryptionError(`the repo's key check record is malformed: ${problem}`)
}
