import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { decodeMessage, encodeMessage } from '../src/dht-protocol.js'
import { LshHasher } from '../src/lsh.js'
import { makeLshRecords } from '../src/lsh-ranking.js'
import { type LshRecord, LshStore, lshRecordToWire, signedBytes } from '../src/lsh-records.js'
import { normalized } from '../src/vectors.js'
import { cidFor, prng } from './helpers.js'

const DIM = 16

describe('LSH hash family', () => {
  it('is the same on every peer (fixed seed) and puts near vectors in the same buckets more often than far ones', () => {
    const a = new LshHasher({ dimension: DIM, tables: 8, bits: 8 })
    const b = new LshHasher({ dimension: DIM, tables: 8, bits: 8 })
    const r = prng(1)
    const v = normalized(Float32Array.from({ length: DIM }, r.normal))
    expect(a.keys(v)).toEqual(b.keys(v))
    let near = 0
    let far = 0
    for (let i = 0; i < 200; i++) {
      const x = normalized(Float32Array.from({ length: DIM }, r.normal))
      const y = normalized(Float32Array.from(x, (c) => c + 0.05 * r.normal()))
      const z = normalized(Float32Array.from({ length: DIM }, r.normal))
      const kx = a.keys(x)
      near += a.keys(y).filter((k, t) => k === kx[t]).length
      far += a.keys(z).filter((k, t) => k === kx[t]).length
    }
    expect(near).toBeGreaterThan(far * 5)
  })

  it('multi-probe starts with each table own bucket and ranks flips by how close the hyperplane passes', () => {
    const h = new LshHasher({ dimension: DIM, tables: 4, bits: 6 })
    const v = normalized(Float32Array.from({ length: DIM }, prng(2).normal))
    const probes = h.probes(v, 10)
    expect(probes.slice(0, 4).map((p) => p.key)).toEqual(h.keys(v))
    expect(probes.map((p) => p.score)).toEqual([...probes.map((p) => p.score)].sort((x, y) => x - y))
    expect(new Set(probes.map((p) => p.key)).size).toBe(10)
  })
})

describe('LSH records refused and counted', () => {
  const hasher = new LshHasher({ dimension: DIM, tables: 4, bits: 6 })
  const v = normalized(Float32Array.from({ length: DIM }, prng(3).normal))

  async function signedRecord(): Promise<LshRecord> {
    const key = await generateKeyPair('Ed25519')
    const provider = peerIdFromPrivateKey(key).toString()
    const [r] = makeLshRecords(hasher, cidFor('x'), provider, v, Date.now(), 60_000)
    return { ...r!, signature: await key.sign(signedBytes(r!)) }
  }

  it('keeps a good signed record and refuses wrong dimension, oversized, expired, wrong key and forged ones', async () => {
    const store = new LshStore({ hasher, requireSignature: true, maxRecordBytes: 400 })
    const good = await signedRecord()
    expect(await store.putAll([good])).toBe(1)
    const other = await signedRecord()
    const bad: LshRecord[] = [
      { ...good, embedding: { values: new Int8Array(DIM + 1), scale: 1 } }, // dimension
      { ...good, cid: cidFor('y'.repeat(10)), provider: `${good.provider}`, key: `${good.key}${'0'.repeat(300)}` }, // oversized
      { ...good, created: Date.now() - 120_000 }, // expired
      { ...good, key: hasher.key(0, (Number.parseInt(good.key.split('/').pop()!, 16) ^ 1) >>> 0) }, // wrong key
      { ...good, signature: other.signature! }, // not the provider's signature
      { ...good, signature: undefined as unknown as Uint8Array }, // unsigned where signatures are required
    ].map((r) => (r.signature === undefined ? (({ signature: _, ...rest }) => rest)(r) : r))
    expect(await store.putAll(bad)).toBe(0)
    expect(store.refused).toEqual({ malformed: 0, dimension: 1, oversized: 1, expired: 1, key: 1, signature: 2 })
    expect(store.size).toBe(1)
    expect([...store.under([good.key])].map((h) => h.record.cid)).toEqual([good.cid])
  })

  it('round-trips lput/lget/lrecs on the wire and counts records with bad fields as malformed', async () => {
    const good = await signedRecord()
    const m = decodeMessage(encodeMessage({ t: 'lput', records: [good] }))
    expect(m.t === 'lput' && Array.from(m.records[0]?.signature ?? [])).toEqual(Array.from(good.signature ?? []))
    const g = decodeMessage(encodeMessage({ t: 'lget', keys: [good.key], vector: v, m: 5 }))
    expect(g.t === 'lget' && Array.from(g.vector)).toEqual(Array.from(v))
    const { encode } = await import('@msgpack/msgpack')
    const bad = decodeMessage(
      encode({ t: 'lput', r: [{ k: 'x' }, lshRecordToWire(good), { ...lshRecordToWire(good), t: 'now' }] }),
    )
    expect(bad.t === 'lput' && [bad.records.length, bad.malformed]).toEqual([1, 2])
    expect(() => decodeMessage(encode({ t: 'lrecs', r: 'x' }))).toThrow(/records is not a list/)
  })

  it('drops records once they expire', async () => {
    let now = Date.now()
    const store = new LshStore({ hasher, now: () => now })
    await store.putAll(makeLshRecords(hasher, cidFor('z'), 'p', v, now, 1000))
    expect(store.size).toBe(4)
    now += 2000
    expect([...store.under(hasher.keys(v))]).toHaveLength(0)
    expect(store.evictExpired()).toBe(4)
  })
})
