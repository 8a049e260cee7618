import { createPrivateKey, type KeyObject } from 'node:crypto'
import { IpfrsError } from './errors.js'

/** The key file formats of Kubo's `key export` / `key import` (`--format`). */
export const KEY_FORMATS = ['libp2p-protobuf-cleartext', 'pem-pkcs8-cleartext'] as const
export type KeyFormat = (typeof KEY_FORMATS)[number]

/** A key file that is not a cleartext PKCS#8 PEM Ed25519 private key. */
export class InvalidPemKeyError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_PEM_KEY'
  constructor(reason: string, options?: { cause?: unknown }) {
    super(InvalidPemKeyError.code, `not a PKCS#8 PEM Ed25519 private key: ${reason}`, options)
  }
}

/** A `--format` that is not one of {@link KEY_FORMATS}. */
export class UnsupportedKeyFormatError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_UNSUPPORTED_KEY_FORMAT'
  constructor(format: string) {
    super(
      UnsupportedKeyFormatError.code,
      `key format ${format.slice(0, 60)} is not supported (${KEY_FORMATS.join(', ')})`,
    )
  }
}

/** The format named by a `--format` flag (default libp2p protobuf, as Kubo). */
export function keyFormat(format: string | undefined): KeyFormat {
  const f = format ?? 'libp2p-protobuf-cleartext'
  if (!(KEY_FORMATS as readonly string[]).includes(f)) throw new UnsupportedKeyFormatError(f)
  return f as KeyFormat
}

/** libp2p's PrivateKey protobuf for Ed25519: `Type = 1` (field 1), `Data` (field 2) = 32-byte seed + 32-byte public key. */
const ED25519_HEADER = [0x08, 0x01, 0x12, 0x40]

/**
 * A cleartext PKCS#8 PEM Ed25519 private key (what `openssl genpkey -algorithm ed25519` and Node's
 * `generateKeyPairSync('ed25519')` write) as libp2p protobuf bytes, which the keystore holds.
 */
export function pemToLibp2pKey(pem: string | Uint8Array): Uint8Array {
  const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('utf8')
  if (!text.includes('-----BEGIN PRIVATE KEY-----'))
    throw new InvalidPemKeyError('expected a "-----BEGIN PRIVATE KEY-----" block (cleartext PKCS#8)')
  let key: KeyObject
  try {
    key = createPrivateKey({ key: text, format: 'pem' })
  } catch (err) {
    throw new InvalidPemKeyError((err as Error).message, { cause: err })
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new InvalidPemKeyError(`a ${key.asymmetricKeyType ?? 'unknown'} key (only ed25519 is supported)`)
  const jwk = key.export({ format: 'jwk' })
  const seed = Buffer.from(jwk.d ?? '', 'base64url')
  const pub = Buffer.from(jwk.x ?? '', 'base64url')
  return Uint8Array.from([...ED25519_HEADER, ...seed, ...pub])
}

/** libp2p protobuf Ed25519 private key bytes as cleartext PKCS#8 PEM (Kubo's `key export --format pem-pkcs8-cleartext`). */
export function libp2pKeyToPem(bytes: Uint8Array): string {
  if (bytes.byteLength !== 68 || ED25519_HEADER.some((b, i) => bytes[i] !== b))
    throw new UnsupportedKeyFormatError('pem-pkcs8-cleartext for a key that is not Ed25519')
  const seed = Buffer.from(bytes.subarray(4, 36))
  const pub = Buffer.from(bytes.subarray(36, 68))
  const key = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: pub.toString('base64url') },
    format: 'jwk',
  })
  return key.export({ type: 'pkcs8', format: 'pem' }).toString()
}
