import { spawn } from 'node:child_process'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cidOf, encodeBlock } from '@ipfrs/core'
import { tempDir } from '@ipfrs/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  collectBytes,
  IdentityMismatchError,
  LOCK_FILE,
  publicKeyOfPeerId,
  Repo,
  RepoExistsError,
  RepoLockedError,
  RepoNotInitializedError,
} from '../src/index.js'

describe('Repo', () => {
  let dir: string
  let cleanup: () => Promise<void>
  beforeEach(async () => {
    ;({ dir, cleanup } = await tempDir())
  })
  afterEach(async () => cleanup())

  it('init writes config, an Ed25519 identity, blocks/ and datastore/', async () => {
    const config = await Repo.init(dir)
    expect(config.Identity.PeerID).toMatch(/^12D3KooW/)
    const onDisk = JSON.parse(await readFile(join(dir, 'config'), 'utf8'))
    expect(onDisk.Identity.PeerID).toBe(config.Identity.PeerID)
    expect((await stat(join(dir, 'keystore', 'self'))).mode & 0o777).toBe(0o600)
    expect((await stat(join(dir, 'blocks'))).isDirectory()).toBe(true)
    expect((await stat(join(dir, 'datastore'))).isDirectory()).toBe(true)
    await expect(Repo.init(dir)).rejects.toBeInstanceOf(RepoExistsError)
  })

  it('keeps the same Peer ID across opens', async () => {
    const { Identity } = await Repo.init(dir)
    for (let i = 0; i < 2; i++) {
      const repo = await Repo.open(dir)
      expect(repo.peerId).toBe(Identity.PeerID)
      expect((await repo.identity()).peerId).toBe(Identity.PeerID)
      await repo.close()
    }
  })

  it("reads its key only when asked, and refuses a key that is not the config peer ID's", async () => {
    const { Identity } = await Repo.init(dir)
    const other = join(dir, 'other')
    await Repo.init(other)
    // the key of another repo put in place by hand: the peer ID still reads from the config, the key is refused
    await writeFile(join(dir, 'keystore', 'self'), await readFile(join(other, 'keystore', 'self')))
    const repo = await Repo.open(dir)
    try {
      expect(repo.peerId).toBe(Identity.PeerID)
      const err = await repo.identity().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(IdentityMismatchError)
      expect((err as IdentityMismatchError).code).toBe('ERR_IDENTITY_MISMATCH')
    } finally {
      await repo.close()
    }
  })

  it('takes the peer ID from the key when the config has none', async () => {
    const { Identity } = await Repo.init(dir)
    const config = JSON.parse(await readFile(join(dir, 'config'), 'utf8'))
    config.Identity.PeerID = ''
    await writeFile(join(dir, 'config'), JSON.stringify(config))
    const repo = await Repo.open(dir)
    try {
      expect(repo.peerId).toBe(Identity.PeerID)
      expect((await repo.identity()).peerId).toBe(Identity.PeerID)
    } finally {
      await repo.close()
    }
  })

  it('reads an Ed25519 public key out of its peer ID, as the key itself has it', async () => {
    await Repo.init(dir)
    const repo = await Repo.open(dir)
    try {
      const { privateKey, peerId } = await repo.identity()
      expect(publicKeyOfPeerId(peerId)).toEqual(privateKey.publicKey.raw)
      // a peer ID that hashes its key (an RSA key's, sha2-256) carries none; nor does text that is no peer ID
      expect(publicKeyOfPeerId('QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N')).toBeUndefined()
      expect(publicKeyOfPeerId('not a peer id')).toBeUndefined()
    } finally {
      await repo.close()
    }
  })

  it('refuses to open a path without a repo', async () => {
    await expect(Repo.open(join(dir, 'nothing'))).rejects.toMatchObject({ code: RepoNotInitializedError.code })
  })

  it('stores blocks by multihash and reads them back', async () => {
    await Repo.init(dir, { config: { Compression: { Algorithm: 'zstd' } } })
    const repo = await Repo.open(dir)
    try {
      const block = encodeBlock({ hello: 'world', pad: 'x'.repeat(1000) }, 'dag-cbor')
      await repo.blockstore.put(block.cid, block.bytes)
      expect(await collectBytes(repo.blockstore.get(block.cid))).toEqual(block.bytes)
      // the file on disk is the compressed frame, not the block
      const stored = await collectBytes(repo.files.get(block.cid))
      expect(stored.byteLength).toBeLessThan(block.bytes.byteLength)
      expect((await repo.stat()).NumObjects).toBe(1)
      expect((await repo.verify()).problems).toEqual([])
    } finally {
      await repo.close()
    }
  })

  it('a second opener in another process gets ERR_REPO_LOCKED; the lock goes with the process', async () => {
    await Repo.init(dir)
    const storage = new URL('../dist/index.js', import.meta.url).href
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { Repo } = await import(${JSON.stringify(storage)}); await Repo.open(${JSON.stringify(dir)}); console.log('open'); setInterval(() => {}, 1000)`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('open') && resolve())
        child.once('exit', (code) => reject(new Error(`child exited ${code}`)))
      })
      const err = await Repo.open(dir).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(RepoLockedError)
      expect((err as RepoLockedError).code).toBe('ERR_REPO_LOCKED')
      expect((err as RepoLockedError).pid).toBe(child.pid)
    } finally {
      child.kill('SIGKILL')
      await new Promise((resolve) => child.once('exit', resolve))
    }
    // killed with -9: the stale lock file is taken over
    expect((await readFile(join(dir, LOCK_FILE), 'utf8')).trim()).toBe(String(child.pid))
    const repo = await Repo.open(dir)
    await repo.close()
  })

  it('takes over a lock file left by a dead process', async () => {
    await Repo.init(dir)
    await writeFile(join(dir, LOCK_FILE), '999999999\n')
    const repo = await Repo.open(dir)
    expect((await readFile(join(dir, LOCK_FILE), 'utf8')).trim()).toBe(String(process.pid))
    await repo.close()
  })

  it('verify reports a corrupt block and the rest stay readable', async () => {
    await Repo.init(dir)
    const repo = await Repo.open(dir)
    try {
      const good = new TextEncoder().encode('good block '.repeat(50))
      const bad = new TextEncoder().encode('soon corrupt '.repeat(50))
      const goodCid = cidOf(good, 0x55)
      const badCid = cidOf(bad, 0x55)
      await repo.blockstore.put(goodCid, good)
      await repo.blockstore.put(badCid, bad)
      const path = repo.blockFile(badCid)
      const bytes = await readFile(path)
      bytes[10] = (bytes[10] ?? 0) ^ 0x01
      await writeFile(path, bytes)
      const result = await repo.verify()
      expect(result.checked).toBe(2)
      expect(result.problems).toHaveLength(1)
      expect(result.problems[0]?.cid.multihash.bytes).toEqual(badCid.multihash.bytes)
      expect(result.problems[0]?.code).toBe('ERR_BLOCK_HASH_MISMATCH')
      expect(await collectBytes(repo.blockstore.get(goodCid))).toEqual(good)
    } finally {
      await repo.close()
    }
  })
})
