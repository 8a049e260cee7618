import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

/** Where the node's own key lives inside the repo. */
export const SELF_KEY = join('keystore', 'self')

/** The node's identity: its Ed25519 private key and the Peer ID derived from it. */
export interface Identity {
  readonly privateKey: PrivateKey
  readonly peerId: string
}

/** Creates a fresh Ed25519 identity and writes it to `<repo>/keystore/self` (protobuf, mode 0600). */
export async function createIdentity(repoPath: string): Promise<Identity> {
  const privateKey = await generateKeyPair('Ed25519')
  await mkdir(join(repoPath, 'keystore'), { recursive: true, mode: 0o700 })
  const file = join(repoPath, SELF_KEY)
  await writeFile(file, privateKeyToProtobuf(privateKey), { mode: 0o600 })
  await chmod(file, 0o600)
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString() }
}

/** Reads the identity `createIdentity` wrote. */
export async function loadIdentity(repoPath: string): Promise<Identity> {
  const privateKey = privateKeyFromProtobuf(await readFile(join(repoPath, SELF_KEY)))
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString() }
}
