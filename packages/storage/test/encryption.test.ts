import { readFile, rename, writeFile } from 'node:fs/promises'
import { type CID, cidOf } from '@ipfrs/core'
import type { FsBlockstore } from 'blockstore-fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  CompressionBlockstore,
  collectBytes,
  createEncryption,
  DecryptionError,
  EncryptedBlockstore,
  unlockEncryption,
  WrongKeyError,
} from '../src/index.js'
import { tempFiles } from './helpers.js'

const FAST_KDF = { N: 2 ** 10, r: 8, p: 1 } // the default (2^15) is for real repos; tests only need the mechanism

describe('EncryptedBlockstore', () => {
  let files: FsBlockstore
  let fileOf: (cid: CID) => string
  let cleanup: () => Promise<void>
  beforeEach(async () => {
    ;({ files, fileOf, cleanup } = await tempFiles())
  })
  afterEach(async () => cleanup())
  const plaintext = new TextEncoder().encode('attack at dawn; '.repeat(64))

  it.each(['aes-256-gcm', 'chacha20-poly1305'] as const)(
    '%s round-trips and stores no plaintext',
    async (algorithm) => {
      const { key, record } = await createEncryption('passphrase', algorithm, FAST_KDF)
      expect(record.algorithm).toBe(algorithm)
      const store = new EncryptedBlockstore(files, { key, algorithm })
      const cid = cidOf(plaintext, 0x55)
      await store.put(cid, plaintext)
      expect(await collectBytes(store.get(cid))).toEqual(plaintext)
      const stored = await readFile(fileOf(cid))
      expect(stored.includes(Buffer.from('attack at dawn'))).toBe(false)
      expect(stored.byteLength).toBe(plaintext.byteLength + 4 + 2 + 12 + 16)
      // the same passphrase unlocks the same key
      expect(await unlockEncryption(record, 'passphrase')).toEqual(key)
    },
  )

  it('a wrong passphrase is ERR_WRONG_KEY; a wrong key on a block is ERR_DECRYPTION_FAILED', async () => {
    const { key, record } = await createEncryption('right', 'aes-256-gcm', FAST_KDF)
    const err = await unlockEncryption(record, 'wrong').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WrongKeyError)
    expect((err as WrongKeyError).code).toBe('ERR_WRONG_KEY')
    const cid = cidOf(plaintext, 0x55)
    await new EncryptedBlockstore(files, { key, algorithm: 'aes-256-gcm' }).put(cid, plaintext)
    const other = (await createEncryption('other', 'aes-256-gcm', FAST_KDF)).key
    await expect(
      collectBytes(new EncryptedBlockstore(files, { key: other, algorithm: 'aes-256-gcm' }).get(cid)),
    ).rejects.toMatchObject({
      code: 'ERR_DECRYPTION_FAILED',
    })
  })

  it('a tampered block fails authentication and the file is left as it was', async () => {
    const { key } = await createEncryption('pw', 'chacha20-poly1305', FAST_KDF)
    const store = new EncryptedBlockstore(files, { key, algorithm: 'chacha20-poly1305' })
    const cid = cidOf(plaintext, 0x55)
    await store.put(cid, plaintext)
    for (const offset of [5, 20, 200, -1]) {
      const original = await readFile(fileOf(cid))
      const tampered = Buffer.from(original)
      const at = offset < 0 ? tampered.length + offset : offset
      tampered[at] = (tampered[at] ?? 0) ^ 0x40
      await writeFile(fileOf(cid), tampered)
      const err = await collectBytes(store.get(cid)).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(DecryptionError)
      expect(await readFile(fileOf(cid))).toEqual(tampered)
      await writeFile(fileOf(cid), original)
    }
    expect(await collectBytes(store.get(cid))).toEqual(plaintext)
    // truncated
    await writeFile(fileOf(cid), (await readFile(fileOf(cid))).subarray(0, 20))
    await expect(collectBytes(store.get(cid))).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' })
  })

  it('a ciphertext moved under another block’s name fails (the multihash is authenticated)', async () => {
    const { key } = await createEncryption('pw', 'aes-256-gcm', FAST_KDF)
    const store = new EncryptedBlockstore(files, { key, algorithm: 'aes-256-gcm' })
    const a = new TextEncoder().encode('block a '.repeat(40))
    const b = new TextEncoder().encode('block b '.repeat(40))
    await store.put(cidOf(a, 0x55), a)
    await store.put(cidOf(b, 0x55), b)
    await rename(fileOf(cidOf(a, 0x55)), fileOf(cidOf(b, 0x55)))
    await expect(collectBytes(store.get(cidOf(b, 0x55)))).rejects.toBeInstanceOf(DecryptionError)
  })

  it('compression stacked on encryption round-trips and still shrinks text', async () => {
    const { key } = await createEncryption('pw', 'aes-256-gcm', FAST_KDF)
    const store = new CompressionBlockstore(new EncryptedBlockstore(files, { key, algorithm: 'aes-256-gcm' }), {
      algorithm: 'zstd',
    })
    const cid = cidOf(plaintext, 0x55)
    await store.put(cid, plaintext)
    expect(await collectBytes(store.get(cid))).toEqual(plaintext)
    expect((await readFile(fileOf(cid))).byteLength).toBeLessThan(plaintext.byteLength / 4)
  })
})
