import { readFile, rename, writeFile } from 'node:fs/promises'
import { cidOf } from '@ipfrs/core'
import type { FsBlockstore } from 'blockstore-fs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import type { MultihashDigest } from 'multiformats/hashes/interface'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { collectBytes } from '../src/bytes.js'
import { CompressionBlockstore, detectFrame } from '../src/compression.js'
import {
  createEncryption,
  createKeyCheck,
  DEFAULT_SCRYPT,
  deriveKey,
  ENCRYPTION_MAGIC,
  EncryptedBlockstore,
  type KeyCheckRecord,
  openKeyCheck,
  unlockEncryption,
} from '../src/encryption.js'
import { DecryptionError, WrongKeyError } from '../src/errors.js'
import { tempFiles } from './helpers.js'

const FAST_KDF = { N: 2 ** 10, r: 8, p: 1 } // the default (2^15) is for real repos; most tests only need the mechanism
const ALGORITHMS = ['aes-256-gcm', 'chacha20-poly1305'] as const
const rawCid = (bytes: Uint8Array) => cidOf(bytes, raw.code)
const text = (s: string, times: number) => new TextEncoder().encode(s.repeat(times))

async function failure(promise: Promise<unknown>): Promise<{ name: string; code: string }> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: { name: string; code: string }) => e,
  )
}

describe('EncryptedBlockstore over blockstore-fs', () => {
  let files: FsBlockstore
  let fileOf: (cid: CID) => string
  let cleanup: () => Promise<void>
  beforeEach(async () => {
    ;({ files, fileOf, cleanup } = await tempFiles())
  })
  afterEach(async () => cleanup())
  const plaintext = text('attack at dawn; ', 64)

  it.each(ALGORITHMS)('%s round-trips and stores a versioned header, no plaintext', async (algorithm) => {
    const { key, record } = await createEncryption('passphrase', algorithm, FAST_KDF)
    const store = new EncryptedBlockstore(files, { key, algorithm })
    const cid = rawCid(plaintext)
    await store.put(cid, plaintext)
    expect(await collectBytes(store.get(cid))).toEqual(plaintext)
    const stored = await readFile(fileOf(cid))
    expect([...stored.subarray(0, 6)]).toEqual([...ENCRYPTION_MAGIC, 1, algorithm === 'aes-256-gcm' ? 1 : 2])
    expect(stored.includes(Buffer.from('attack at dawn'))).toBe(false)
    expect(stored.byteLength).toBe(plaintext.byteLength + 4 + 1 + 1 + 12 + 16)
    // a fresh nonce per write: the same block written twice is stored differently
    await store.put(cid, plaintext)
    expect((await readFile(fileOf(cid))).subarray(6, 18)).not.toEqual(stored.subarray(6, 18))
    expect(record.algorithm).toBe(algorithm)
    expect(await unlockEncryption(record, 'passphrase')).toEqual(key)
  })

  it('reads blocks written with either cipher, and the same block under any CID of its multihash', async () => {
    const { key } = await createEncryption('pw', 'aes-256-gcm', FAST_KDF)
    const a = text('written with aes ', 30)
    const b = text('written with chacha ', 30)
    await new EncryptedBlockstore(files, { key, algorithm: 'aes-256-gcm' }).put(rawCid(a), a)
    await new EncryptedBlockstore(files, { key, algorithm: 'chacha20-poly1305' }).put(rawCid(b), b)
    const reader = new EncryptedBlockstore(files, { key, algorithm: 'aes-256-gcm' })
    expect(await collectBytes(reader.get(rawCid(a)))).toEqual(a)
    expect(await collectBytes(reader.get(rawCid(b)))).toEqual(b)
    const v0 = CID.createV0(rawCid(a).multihash as MultihashDigest<0x12>) // cidOf hashes with sha2-256
    expect(await collectBytes(reader.get(v0))).toEqual(a)
  })

  it('the key check record is small, JSON-safe, and tells the right passphrase from a wrong one', async () => {
    const { key, record } = await createEncryption('right', 'chacha20-poly1305')
    expect(record).toMatchObject({ version: 1, kdf: 'scrypt', ...DEFAULT_SCRYPT, algorithm: 'chacha20-poly1305' })
    expect(Buffer.from(record.salt, 'base64').byteLength).toBe(16)
    const reread = JSON.parse(JSON.stringify(record)) as KeyCheckRecord
    expect(await openKeyCheck(reread, 'right')).toEqual(key)
    const err = await failure(unlockEncryption(reread, 'wrong'))
    expect(err).toBeInstanceOf(WrongKeyError)
    expect(err.code).toBe('ERR_WRONG_KEY')
    // createKeyCheck alone, for a key derived elsewhere
    const salt = new Uint8Array(16).fill(9)
    const derived = await deriveKey('another', salt, FAST_KDF)
    const own = createKeyCheck(derived, { salt, params: FAST_KDF, algorithm: 'aes-256-gcm' })
    expect(await openKeyCheck(own, 'another')).toEqual(derived)
    expect((await failure(openKeyCheck(own, 'Another'))).code).toBe('ERR_WRONG_KEY')
  })

  it('a malformed key check record is ERR_DECRYPTION_FAILED, before any scrypt work', async () => {
    const { record } = await createEncryption('pw', 'aes-256-gcm', FAST_KDF)
    for (const bad of [
      { ...record, version: 2 },
      { ...record, kdf: 'argon2' },
      { ...record, algorithm: 'rot13' },
      { ...record, N: 1000 },
      { ...record, N: 2 ** 30 },
      { ...record, salt: '' },
    ]) {
      const err = await failure(openKeyCheck(bad as KeyCheckRecord, 'pw'))
      expect(err).toBeInstanceOf(DecryptionError)
      expect(err.code).toBe('ERR_DECRYPTION_FAILED')
    }
    // a garbled check value is indistinguishable from a wrong passphrase
    const garbled = { ...record, check: Buffer.from('nonsense').toString('base64') }
    expect((await failure(openKeyCheck(garbled, 'pw'))).code).toBe('ERR_WRONG_KEY')
  })

  it('a wrong key used directly on a block is ERR_DECRYPTION_FAILED', async () => {
    const { key } = await createEncryption('right', 'aes-256-gcm', FAST_KDF)
    const cid = rawCid(plaintext)
    await new EncryptedBlockstore(files, { key, algorithm: 'aes-256-gcm' }).put(cid, plaintext)
    const other = (await createEncryption('other', 'aes-256-gcm', FAST_KDF)).key
    const err = await failure(
      collectBytes(new EncryptedBlockstore(files, { key: other, algorithm: 'aes-256-gcm' }).get(cid)),
    )
    expect(err).toBeInstanceOf(DecryptionError)
    expect(err.code).toBe('ERR_DECRYPTION_FAILED')
  })

  it.each(ALGORITHMS)('%s: a flipped byte anywhere fails and the file is left as it was', async (algorithm) => {
    const { key } = await createEncryption('pw', algorithm, FAST_KDF)
    const store = new EncryptedBlockstore(files, { key, algorithm })
    const cid = rawCid(plaintext)
    await store.put(cid, plaintext)
    const original = await readFile(fileOf(cid))
    // magic, version, algorithm id, nonce, ciphertext, tag
    for (const at of [0, 4, 5, 10, 20, 500, original.byteLength - 1]) {
      const tampered = Buffer.from(original)
      tampered[at]! ^= 0x01
      await writeFile(fileOf(cid), tampered)
      const err = await failure(collectBytes(store.get(cid)))
      expect(err).toBeInstanceOf(DecryptionError)
      expect(err.code).toBe('ERR_DECRYPTION_FAILED')
      expect((await readFile(fileOf(cid))).equals(tampered)).toBe(true)
    }
    for (const length of [0, 20, 34, original.byteLength - 1]) {
      await writeFile(fileOf(cid), original.subarray(0, length))
      expect((await failure(collectBytes(store.get(cid)))).code).toBe('ERR_DECRYPTION_FAILED')
    }
    await writeFile(fileOf(cid), original)
    expect(await collectBytes(store.get(cid))).toEqual(plaintext)
  })

  it('swapping two stored files fails both reads (the multihash is authenticated)', async () => {
    const { key } = await createEncryption('pw', 'aes-256-gcm', FAST_KDF)
    const store = new EncryptedBlockstore(files, { key, algorithm: 'aes-256-gcm' })
    const a = text('block a ', 40)
    const b = text('block b ', 40)
    await store.put(rawCid(a), a)
    await store.put(rawCid(b), b)
    const swap = async () => {
      await rename(fileOf(rawCid(a)), `${fileOf(rawCid(a))}.tmp`)
      await rename(fileOf(rawCid(b)), fileOf(rawCid(a)))
      await rename(`${fileOf(rawCid(a))}.tmp`, fileOf(rawCid(b)))
    }
    await swap()
    for (const bytes of [a, b]) {
      const err = await failure(collectBytes(store.get(rawCid(bytes))))
      expect(err).toBeInstanceOf(DecryptionError)
      expect(err.code).toBe('ERR_DECRYPTION_FAILED')
    }
    await swap()
    expect(await collectBytes(store.get(rawCid(a)))).toEqual(a)
    expect(await collectBytes(store.get(rawCid(b)))).toEqual(b)
  })

  it('an unencrypted block under an encrypted store is ERR_DECRYPTION_FAILED', async () => {
    const { key } = await createEncryption('pw', 'aes-256-gcm', FAST_KDF)
    await files.put(rawCid(plaintext), plaintext)
    const err = await failure(
      collectBytes(new EncryptedBlockstore(files, { key, algorithm: 'aes-256-gcm' }).get(rawCid(plaintext))),
    )
    expect(err.code).toBe('ERR_DECRYPTION_FAILED')
  })

  it.each(ALGORITHMS)('compression stacked on %s round-trips, compresses first, then encrypts', async (algorithm) => {
    const { key } = await createEncryption('pw', algorithm, FAST_KDF)
    for (const compression of ['zstd', 'lz4', 'snappy', 'none'] as const) {
      const store = new CompressionBlockstore(new EncryptedBlockstore(files, { key, algorithm }), {
        algorithm: compression,
      })
      const bytes = text(`compressed with ${compression}, then encrypted; `, 2000)
      const cid = rawCid(bytes)
      await store.put(cid, bytes)
      expect(Buffer.from(await collectBytes(store.get(cid))).equals(bytes)).toBe(true) // toEqual is slow on big arrays
      const stored = await readFile(fileOf(cid))
      expect([...stored.subarray(0, 4)]).toEqual([...ENCRYPTION_MAGIC])
      expect(stored.includes(Buffer.from('then encrypted'))).toBe(false)
      if (compression !== 'none') expect(stored.byteLength).toBeLessThan(bytes.byteLength / 4)
      // under the encryption, the compression frame
      const inner = await collectBytes(new EncryptedBlockstore(files, { key, algorithm }).get(cid))
      expect(detectFrame(inner)).toBe(compression === 'none' ? 'plain' : compression)
    }
  })

  it('rejects keys that are not 32 bytes, unknown ciphers and empty passphrases', async () => {
    expect(() => new EncryptedBlockstore(files, { key: new Uint8Array(16), algorithm: 'aes-256-gcm' })).toThrow(
      TypeError,
    )
    const key = new Uint8Array(32)
    expect(() => new EncryptedBlockstore(files, { key, algorithm: 'des' as 'aes-256-gcm' })).toThrow(TypeError)
    await expect(createEncryption('', 'aes-256-gcm', FAST_KDF)).rejects.toThrow(TypeError)
  })
})
