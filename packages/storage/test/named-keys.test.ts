import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeBlock, formatCid } from '@ipfrs/core'
import { codeOf } from '@ipfrs/test-utils'
import { Key } from 'interface-datastore'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { blockKey, GC_ROOTS_PREFIX, type Repo } from '../src/index.js'
import { tempRepo } from './helpers.js'

describe('named keys and extra GC roots', () => {
  let repo: Repo
  let close: () => Promise<void>
  beforeEach(async () => {
    ;({ repo, close } = await tempRepo())
  })
  afterEach(() => close())

  it('keeps Ed25519 keys in keystore/<name> (0600); one of two concurrent gens of a name wins', async () => {
    const results = await Promise.allSettled([repo.keys.gen('k'), repo.keys.gen('k')])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(await codeOf(repo.keys.gen('k'))).toBe('ERR_KEY_EXISTS')
    expect((await stat(join(repo.path, 'keystore', 'k'))).mode & 0o777).toBe(0o600)
    expect((await repo.keys.get('k')).type).toBe('Ed25519')
    const other = await repo.keys.gen('other')
    expect(await codeOf(repo.keys.rename('k', 'other'))).toBe('ERR_KEY_EXISTS')
    expect((await repo.keys.rename('k', 'other', true)).overwrite).toBe(true)
    expect((await repo.keys.list()).map((k) => k.name)).toEqual(['self', 'other'])
    expect((await repo.keys.list())[1]?.id).not.toBe(other.id) // replaced by k
    for (const bad of ['', '.x', 'a/b', '..', 'self', 'x'.repeat(65)]) {
      expect(await codeOf(repo.keys.gen(bad))).toBe('ERR_INVALID_KEY_NAME')
    }
    expect(await codeOf(repo.keys.get('absent'))).toBe('ERR_KEY_NOT_FOUND')
    expect(await codeOf(repo.keys.import('junk', new Uint8Array([1, 2, 3])))).toBe('ERR_INVALID_KEY')
    const bytes = await repo.keys.export('other')
    expect((await repo.keys.import('copy', bytes)).id).toBe((await repo.keys.list())[1]?.id)
  })

  it('GC keeps whatever a root under /local/roots/ reaches, like a recursive pin that pin ls does not list', async () => {
    const leaf = encodeBlock({ leaf: true }, 'dag-cbor')
    const root = encodeBlock({ child: leaf.cid }, 'dag-cbor')
    const loose = encodeBlock({ loose: true }, 'dag-cbor')
    for (const b of [leaf, root, loose]) await repo.blockstore.put(b.cid, b.bytes)
    await repo.datastore.put(new Key(`${GC_ROOTS_PREFIX}test`), new TextEncoder().encode(formatCid(root.cid)))
    const result = await repo.gc.run()
    expect(result.removed.map(blockKey)).toEqual([blockKey(loose.cid)])
    expect(await repo.blockstore.has(leaf.cid)).toBe(true)
    expect(await Array.fromAsync(repo.pins.ls())).toEqual([])
  })
})
