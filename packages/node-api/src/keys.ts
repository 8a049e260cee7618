/** Named keys (Kubo's `key gen|list|rm|rename|export|import`); `self` is the node's identity. */

/** A key: its name and the IPNS name it signs for. */
export interface KeyInfo {
  readonly name: string
  /** Its peer ID as a CIDv1 libp2p-key in base36 (`k51…`), as Kubo prints it. */
  readonly id: string
}

export interface KeyApi {
  /** A new Ed25519 key. */
  readonly gen: (name: string) => Promise<KeyInfo>
  readonly list: () => Promise<KeyInfo[]>
  readonly rm: (name: string) => Promise<KeyInfo>
  readonly rename: (from: string, to: string, force?: boolean) => Promise<KeyInfo & { overwrite: boolean }>
  /** The libp2p protobuf bytes of the private key. */
  readonly export: (name: string) => Promise<Uint8Array>
  readonly import: (name: string, bytes: Uint8Array, force?: boolean) => Promise<KeyInfo>
}
