import { createCipheriv, createDecipheriv, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import type { EncryptionAlgorithm } from '@ipfrs/core'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { DecryptionError, WrongKeyError } from './errors.js'
import { TransformBlockstore } from './transform-blockstore.js'

/**
 * Stored form of an encrypted block:
 *   magic `f1 1f 45 43` | version (1) | algorithm id (1 = AES-256-GCM, 2 = ChaCha20-Poly1305) | 12-byte nonce |
 *   ciphertext | 16-byte tag
 * The block's multihash is the additional authenticated data, so a valid ciphertext moved under another block's
 * name fails authentication.
 */
export const ENCRYPTION_MAGIC = Uint8Array.of(0xf1, 0x1f, 0x45, 0x43)
const VERSION = 1
const NONCE = 12
const TAG = 16
const HEADER = ENCRYPTION_MAGIC.byteLength + 2 + NONCE
const ALGORITHM_IDS: Record<EncryptionAlgorithm, number> = { 'aes-256-gcm': 1, 'chacha20-poly1305': 2 }
const ALGORITHMS_BY_ID = new Map(Object.entries(ALGORITHM_IDS).map(([name, id]) => [id, name as EncryptionAlgorithm]))

export interface EncryptionOptions {
  /** 32 bytes, from `createEncryption` / `unlockEncryption`. */
  key: Uint8Array
  algorithm: EncryptionAlgorithm
}

/** Encrypts one block's bytes (`aad` is the block's multihash). */
export function seal(bytes: Uint8Array, aad: Uint8Array, options: EncryptionOptions): Uint8Array {
  const nonce = randomBytes(NONCE)
  const cipher = createCipheriv(options.algorithm as 'aes-256-gcm', options.key, nonce, { authTagLength: TAG })
  cipher.setAAD(aad, { plaintextLength: bytes.byteLength })
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

/** Decrypts what `seal` wrote; throws `DecryptionError` for a bad header, a wrong key or tampered bytes. */
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
  const decipher = createDecipheriv(algorithm as 'aes-256-gcm', key, nonce, { authTagLength: TAG })
  decipher.setAuthTag(stored.subarray(stored.byteLength - TAG))
  decipher.setAAD(aad, { plaintextLength: body.byteLength })
  try {
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
 * random nonce per write) and authenticates and decrypts them on the way out.
 */
export class EncryptedBlockstore<S extends Blockstore = Blockstore> extends TransformBlockstore<S> {
  readonly #options: EncryptionOptions

  constructor(inner: S, options: EncryptionOptions) {
    super(inner)
    if (options.key.byteLength !== 32) throw new TypeError('encryption key must be 32 bytes')
    this.#options = { key: Uint8Array.from(options.key), algorithm: options.algorithm }
  }

  protected encode(cid: CID, bytes: Uint8Array): Uint8Array {
    return seal(bytes, cid.multihash.bytes, this.#options)
  }

  protected decode(cid: CID, stored: Uint8Array): Uint8Array {
    return open(stored, cid.multihash.bytes, this.#options.key)
  }
}

/** What an encrypted repo keeps beside its blocks: how to derive the key, and a value that proves a passphrase right. */
export interface KeyCheckRecord {
  version: 1
  kdf: 'scrypt'
  salt: string
  N: number
  r: number
  p: number
  algorithm: EncryptionAlgorithm
  /** A known plaintext sealed with the derived key (base64). */
  check: string
}

export interface ScryptParams {
  N: number
  r: number
  p: number
}

/** scrypt's cost: 2^15 iterations of 8 × 128 bytes, about 32 MiB and 100 ms, once per open. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 }
const CHECK_PLAINTEXT = new TextEncoder().encode('ipfrs key check v1')
const CHECK_AAD = new TextEncoder().encode('ipfrs/keycheck')

/** Derives a 32-byte key from a passphrase with scrypt. */
export function deriveKey(
  passphrase: string,
  salt: Uint8Array,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase.normalize('NFC'),
      salt,
      32,
      { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(new Uint8Array(key))),
    )
  })
}

/** A new key for a repo, and the record that lets `unlockEncryption` re-derive and check it. */
export async function createEncryption(
  passphrase: string,
  algorithm: EncryptionAlgorithm,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<{ key: Uint8Array; record: KeyCheckRecord }> {
  if (passphrase.length === 0) throw new TypeError('the passphrase must not be empty')
  const salt = randomBytes(16)
  const key = await deriveKey(passphrase, salt, params)
  const check = seal(CHECK_PLAINTEXT, CHECK_AAD, { key, algorithm })
  return {
    key,
    record: {
      version: 1,
      kdf: 'scrypt',
      salt: Buffer.from(salt).toString('base64'),
      ...params,
      algorithm,
      check: Buffer.from(check).toString('base64'),
    },
  }
}

/** Re-derives the key from the passphrase; throws `WrongKeyError` (`ERR_WRONG_KEY`) when it is not the repo's. */
export async function unlockEncryption(record: KeyCheckRecord, passphrase: string): Promise<Uint8Array> {
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
