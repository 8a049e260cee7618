import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { PrivateKey } from '@libp2p/interface'
import { base58btc } from 'multiformats/bases/base58'
import { decode as decodeDigest } from 'multiformats/hashes/digest'
import { identity } from 'multiformats/hashes/identity'
import { libp2pKeys } from './libp2p-keys.js'

/** Where the node's own key lives inside the repo. */
export const SELF_KEY = join('keystore', 'self')

/** The node's identity: its Ed25519 private key and the Peer ID derived from it. */
export interface Identity {
  readonly privateKey: PrivateKey
  readonly peerId: string
}

/** Creates a fresh Ed25519 identity and writes it to `<repo>/keystore/self` (protobuf, mode 0600). */
export async function createIdentity(repoPath: string): Promise<Identity> {
  const { generateKeyPair, peerIdFromPrivateKey, privateKeyToProtobuf } = await libp2pKeys()
  const privateKey = await generateKeyPair('Ed25519')
  await mkdir(join(repoPath, 'keystore'), { recursive: true, mode: 0o700 })
  const file = join(repoPath, SELF_KEY)
  await writeFile(file, privateKeyToProtobuf(privateKey), { mode: 0o600 })
  await chmod(file, 0o600)
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString() }
}

/** Reads the identity `createIdentity` wrote. */
export async function loadIdentity(repoPath: string): Promise<Identity> {
  const { peerIdFromPrivateKey, privateKeyFromProtobuf } = await libp2pKeys()
  const privateKey = privateKeyFromProtobuf(await readFile(join(repoPath, SELF_KEY)))
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString() }
}

/** The protobuf header of an Ed25519 public key (`Type: Ed25519`, then its 32 bytes as `Data`), as libp2p encodes it. */
const ED25519_PUBLIC_KEY_HEADER = [0x08, 0x01, 0x12, 0x20]

/**
 * The raw public key an Ed25519 peer ID carries (such an ID is the identity multihash of the protobuf-encoded key),
 * read without loading libp2p's key code; `undefined` for an ID that only hashes its key (RSA, say) or is not valid.
 */
export function publicKeyOfPeerId(peerId: string): Uint8Array | undefined {
  try {
    const digest = decodeDigest(base58btc.baseDecode(peerId))
    if (digest.code !== identity.code || digest.digest.byteLength !== ED25519_PUBLIC_KEY_HEADER.length + 32) return
    if (!ED25519_PUBLIC_KEY_HEADER.every((b, i) => digest.digest[i] === b)) return
    return digest.digest.subarray(ED25519_PUBLIC_KEY_HEADER.length)
  } catch {
    return undefined
  }
}
