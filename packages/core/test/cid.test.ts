import { describe, expect, it } from 'vitest'
import { CID, formatCid, InvalidCidError, parseCid, sameMultihash } from '../src/index.js'

const V0 = 'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN'

describe('parseCid / formatCid', () => {
  it('parses CIDv0 and prints it in base58btc', () => {
    const cid = parseCid(V0)
    expect(cid.version).toBe(0)
    expect(formatCid(cid)).toBe(V0)
    expect(formatCid(cid, 'base32')).toBe(V0) // v0 has only one spelling
  })

  it('parses CIDv1 in base32, base58btc and base36 to the same CID', () => {
    const v1 = parseCid(V0).toV1()
    const b32 = formatCid(v1)
    expect(b32.startsWith('bafy')).toBe(true)
    for (const base of ['base32', 'base58btc', 'base36'] as const) {
      expect(parseCid(formatCid(v1, base)).equals(v1)).toBe(true)
    }
    expect(parseCid(v1.bytes).equals(v1)).toBe(true)
    expect(parseCid(v1)).toBe(v1)
  })

  it.each(['', 'hello', 'Qm123', 'bafy!!!', `${V0}x`, 'zzzzzzzzzzzzzzzzzzzzzzzzz', ' '])(
    'rejects %j with ERR_INVALID_CID',
    (bad) => {
      try {
        parseCid(bad)
        expect.unreachable()
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidCidError)
        expect((err as InvalidCidError).code).toBe('ERR_INVALID_CID')
      }
    },
  )

  it('rejects garbage bytes', () => {
    expect(() => parseCid(new Uint8Array([1, 2, 3]))).toThrow(InvalidCidError)
  })

  it('compares by multihash across versions', () => {
    const v0 = parseCid(V0)
    expect(sameMultihash(v0, v0.toV1())).toBe(true)
    expect(sameMultihash(v0, CID.createV1(0x55, v0.multihash))).toBe(true)
  })
})
