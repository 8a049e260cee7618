import { base32 } from 'multiformats/bases/base32'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { InvalidCidError } from './errors.js'

export { CID }

/** The multibase encodings a CID may be printed in. */
export type CidBase = 'base32' | 'base58btc' | 'base36'

const decoders = base32.decoder.or(base58btc.decoder).or(base36.decoder)

/**
 * Parses a CID from a string (v0 `Qm…` base58btc, or v1 in base32 / base58btc / base36) or from its binary form.
 * Anything else throws `InvalidCidError` (`ERR_INVALID_CID`).
 */
export function parseCid(input: string | Uint8Array | CID): CID {
  if (input instanceof Uint8Array) {
    try {
      return CID.decode(input)
    } catch (err) {
      throw new InvalidCidError(`<${input.byteLength} bytes>`, { cause: err })
    }
  }
  const asCid = CID.asCID(input)
  if (asCid != null) return asCid
  if (typeof input !== 'string') throw new InvalidCidError(String(input))
  const text = input.trim()
  try {
    if (text.startsWith('Qm') && text.length === 46) return CID.parse(text)
    return CID.parse(text, decoders)
  } catch (err) {
    throw new InvalidCidError(input, { cause: err })
  }
}

/** Formats a CID: v0 always as base58btc (as Kubo does), v1 in `base` (default base32). */
export function formatCid(cid: CID, base: CidBase = 'base32'): string {
  if (cid.version === 0) return cid.toString(base58btc)
  switch (base) {
    case 'base58btc':
      return cid.toString(base58btc)
    case 'base36':
      return cid.toString(base36)
    default:
      return cid.toString(base32)
  }
}

/** Whether two CIDs address the same bytes (same multihash), whatever their version or codec. */
export function sameMultihash(a: CID, b: CID): boolean {
  const x = a.multihash.bytes
  const y = b.multihash.bytes
  if (x.byteLength !== y.byteLength) return false
  for (let i = 0; i < x.byteLength; i++) if (x[i] !== y[i]) return false
  return true
}
