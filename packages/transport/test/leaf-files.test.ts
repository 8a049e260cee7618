import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readLeafFileInto } from '../src/index.js'

const sha256 = (b: Uint8Array) => Digest.create(0x12, createHash('sha256').update(b).digest())

/** A dag-pb UnixFS leaf as Kubo writes one (CIDv0), and a raw leaf (CIDv1 raw) of the same bytes. */
function leaves(data: Uint8Array) {
  const pb = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'file', data }).marshal() }))
  return {
    pb: { cid: CID.createV0(sha256(pb)), bytes: pb },
    raw: { cid: CID.createV1(0x55, sha256(data)), bytes: data },
  }
}

describe('readLeafFileInto: a leaf read from its block file straight into place', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leaf-files-'))
  })
  afterEach(async () => rm(dir, { recursive: true, force: true }))

  it('reads dag-pb and raw leaves of several sizes into the destination, verified', async () => {
    for (const size of [1, 127, 128, 16_383, 16_384, 262_144]) {
      const data = new Uint8Array(randomBytes(size))
      for (const leaf of Object.values(leaves(data))) {
        const path = join(dir, `${size}-${leaf.cid.code}`)
        await writeFile(path, leaf.bytes)
        const dest = new Uint8Array(size + 10).subarray(5, 5 + size)
        expect(await readLeafFileInto(path, leaf.cid, dest)).toBe(true)
        expect(Buffer.from(dest).equals(data)).toBe(true)
      }
    }
  })

  it('says no (the caller reads the normal way) for a tampered, framed, longer, shorter or missing block', async () => {
    const data = new Uint8Array(randomBytes(4096))
    const { pb, raw } = leaves(data)
    const dest = new Uint8Array(4096)
    const cases: Array<[string, Uint8Array, CID]> = [
      ['tampered', Uint8Array.from(pb.bytes, (b, i) => (i === 100 ? b ^ 1 : b)), pb.cid],
      ['tampered last byte', Uint8Array.from(pb.bytes, (b, i) => (i === pb.bytes.byteLength - 4 ? b ^ 1 : b)), pb.cid],
      ['tampered raw', Uint8Array.from(raw.bytes, (b, i) => (i === 4095 ? b ^ 1 : b)), raw.cid],
      ['escaped raw frame', Buffer.concat([Uint8Array.of(0xf1, 0x1f, 0x52, 0x57), raw.bytes]), raw.cid],
      ['longer', Buffer.concat([pb.bytes, Uint8Array.of(0)]), pb.cid],
      ['shorter', raw.bytes.subarray(1), raw.cid],
      ['another leaf', leaves(new Uint8Array(4096)).pb.bytes, pb.cid],
    ]
    for (const [name, stored, cid] of cases) {
      const path = join(dir, name)
      await writeFile(path, stored)
      expect(await readLeafFileInto(path, cid, dest), name).toBe(false)
    }
    expect(await readLeafFileInto(join(dir, 'missing'), pb.cid, dest)).toBe(false)
    // unverified (a trusted repo): a tampered byte goes through, a wrong layout still does not
    expect(await readLeafFileInto(join(dir, 'tampered'), pb.cid, dest, { verify: false })).toBe(true)
    expect(await readLeafFileInto(join(dir, 'longer'), pb.cid, dest, { verify: false })).toBe(false)
    // a leaf the destination does not fit is no leaf of that range
    await writeFile(join(dir, 'pb'), pb.bytes)
    expect(await readLeafFileInto(join(dir, 'pb'), pb.cid, new Uint8Array(4095))).toBe(false)
  })
})
