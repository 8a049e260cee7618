/**
 * A holder refuses bad LSH records sent over a real libp2p stream (`lput` on /ipfrs/semantic/1.0.0): each refusal is
 * answered with a typed `err` (ERR_SEMANTIC_RECORD_REFUSED, naming the reason), counted by reason in the metrics, and
 * costs the sender nothing more (it is not dropped as a bad peer); a good record from the same peer is then stored.
 */
import type { Network } from '@ipfrs/network'
import { lpStream } from '@libp2p/utils'
import { encode } from '@msgpack/msgpack'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeMessage, SEMANTIC_PROTOCOL } from '../src/dht-protocol.js'
import { FlatIndex } from '../src/flat-index.js'
import { LshHasher } from '../src/lsh.js'
import { makeLshRecords } from '../src/lsh-ranking.js'
import { type LshRecord, lshRecordToWire } from '../src/lsh-records.js'
import { SemanticDht } from '../src/semantic-dht.js'
import { normalized } from '../src/vectors.js'
import { cidFor, networkWithoutKad, prng } from './helpers.js'

const DIM = 16

describe('LSH records refused over a real stream', () => {
  let sender: Network
  let holder: Network
  let dht: SemanticDht

  beforeAll(async () => {
    ;[sender, holder] = await Promise.all([networkWithoutKad(), networkWithoutKad()])
    dht = new SemanticDht({
      libp2p: holder.libp2p,
      index: new FlatIndex({ dimension: DIM, metric: 'cosine' }),
      // lput needs no lookup; the holder only checks and stores
      lsh: { closestPeers: async function* () {}, tables: 4, bits: 6, maxRecordBytes: 400, reprovideMs: 0 },
    })
    await dht.start()
    await sender.connect(holder.addresses()[0]!)
  })
  afterAll(async () => {
    await dht.stop()
    await Promise.allSettled([sender.stop(), holder.stop()])
  })

  /** Sends one `lput` of raw wire records and returns the decoded answer. */
  async function lput(records: unknown[]) {
    const stream = await sender.libp2p.dialProtocol(holder.peerId, SEMANTIC_PROTOCOL)
    const lp = lpStream(stream)
    await lp.write(encode({ t: 'lput', r: records }))
    const reply = decodeMessage((await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray())
    await stream.close().catch(() => undefined)
    return reply
  }

  it('answers each bad record with ERR_SEMANTIC_RECORD_REFUSED, counts it by reason, and keeps the good one', async () => {
    const hasher = new LshHasher({ dimension: DIM, tables: 4, bits: 6 })
    const v = normalized(Float32Array.from({ length: DIM }, prng(9).normal))
    const me = sender.peerId.toString()
    const [good] = makeLshRecords(hasher, cidFor('doc'), me, v, Date.now(), 60_000) as [LshRecord]
    const wire = (r: LshRecord) => lshRecordToWire(r)
    const cases: Array<[string, unknown]> = [
      ['dimension', wire({ ...good, embedding: { values: new Int8Array(DIM + 4), scale: 0.01 } })],
      ['oversized', wire({ ...good, cid: cidFor('x'), key: `${good.key}${'f'.repeat(300)}` })],
      ['expired', wire({ ...good, created: Date.now() - 120_000 })],
      ['malformed', { ...wire(good), c: 42 }], // bad field: the CID is not a string
      ['malformed', { ...wire(good), t: 'yesterday' }],
      ['key', wire({ ...good, key: hasher.key(0, 1 ^ Number.parseInt(good.key.split('/').pop()!, 16)) })],
      ['signature', wire({ ...good, provider: holder.peerId.toString() })], // unsigned, in another provider's name
    ]
    for (const [reason, record] of cases) {
      const reply = await lput([record])
      expect(reply.t, reason).toBe('err')
      expect(reply.t === 'err' && reply.code).toBe('ERR_SEMANTIC_RECORD_REFUSED')
      expect(reply.t === 'err' && reply.message).toContain(`(${reason})`)
    }
    const refused = dht.metrics().lsh!.recordsRefused
    expect(refused).toEqual({ malformed: 2, dimension: 1, oversized: 1, expired: 1, key: 1, signature: 1 })
    expect(dht.isBad(sender.peerId)).toBe(false)
    expect(await lput([wire(good)])).toEqual({ t: 'ok', n: 1 })
    expect(dht.metrics().lsh!.recordsHeld).toBe(1)
    expect(dht.getRoutingConvergence().lsh?.recordsRefused).toEqual(refused)
  })
})
