/**
 * What the HTTP interface needs from a node, as a structural type: `ipfrs`'s `Node` satisfies it, and so can any
 * other composition (this package imports no storage or network code).
 */
import type { CID, NodeConfig } from '@ipfrs/core'

export interface Signal {
  signal?: AbortSignal
}

export interface AddEntry {
  readonly cid: CID
  readonly path: string
  readonly size: bigint
}

export interface AddFlags extends Signal {
  cidVersion?: 0 | 1
  rawLeaves?: boolean
  chunker?: string
  onlyHash?: boolean
  pin?: boolean
  wrapWithDirectory?: boolean
  onProgress?: (bytes: number) => void
  sequentialFiles?: boolean
}

/** One file or directory to add; a directory has no content. */
export interface AddCandidate {
  path: string
  content?: AsyncIterable<Uint8Array>
}

export interface ListEntry {
  readonly name: string
  readonly cid: string
  readonly size: bigint
  readonly type: 'file' | 'directory' | 'raw' | 'object' | 'identity'
}

export interface PeerInfo {
  readonly peer: string
  readonly addr: string
  readonly direction: string
}

export interface NetworkApi {
  addresses(): string[]
  peers(): PeerInfo[] | readonly PeerInfo[]
  connect(address: string, options?: Signal): Promise<string>
  disconnect(address: string, options?: Signal): Promise<void>
  findPeer(peer: string, options?: Signal): Promise<string[]>
  readonly libp2p: {
    readonly status: string
    readonly services: Record<string, unknown>
    getProtocols(): string[]
  }
}

export interface NodeApi {
  readonly config: NodeConfig
  readonly peerId: string
  readonly isOnline: boolean
  readonly network: NetworkApi
  readonly repo: { readonly path: string }
  id(): { ID: string; PublicKey: string; Addresses: string[]; AgentVersion: string; Protocols: string[] }
  addAll(source: AsyncIterable<AddCandidate>, options?: AddFlags): AsyncGenerator<AddEntry>
  cat(path: string, options?: Signal & { offset?: number; length?: number }): AsyncGenerator<Uint8Array>
  stat(path: string, options?: Signal): Promise<{ cid: string; type: ListEntry['type']; size: bigint }>
  ls(path: string, options?: Signal): AsyncGenerator<ListEntry>
  readonly block: {
    put(
      bytes: Uint8Array,
      options?: Signal & { format?: string; hashCode?: number; pin?: boolean; allowBigBlock?: boolean },
    ): Promise<{ cid: CID; size: number }>
    get(cid: CID, options?: Signal): Promise<Uint8Array>
    has(cid: CID, options?: Signal): Promise<boolean>
    stat(cid: CID, options?: Signal): Promise<{ cid: CID; size: number }>
    rm(cids: CID[], options?: Signal & { force?: boolean }): Promise<CID[]>
  }
  readonly pin: {
    add(cid: string, options?: Signal & { recursive?: boolean }): Promise<{ cid: CID; type: string }>
    rm(cid: string, options?: Signal): Promise<void>
    ls(options?: Signal & { type?: 'all' | 'direct' | 'recursive' | 'indirect' }): AsyncIterable<{
      cid: CID
      type: string
    }>
  }
  gc(options?: Signal & { dryRun?: boolean; minAgeSeconds?: number }): Promise<{ removed: CID[] }>
  readonly dag: {
    export(cid: string, options?: Signal): AsyncIterable<Uint8Array>
    import(
      source: AsyncIterable<Uint8Array>,
      options?: Signal & { pinRoots?: boolean },
    ): Promise<{ roots: CID[]; blocks: number }>
  }
  repoStat(): Promise<{ NumObjects: number; RepoSize: number; StorageMax: number; RepoPath: string; Version: string }>
  provide(cid: string, options?: Signal): Promise<void>
  findProviders(cid: string, options?: Signal): AsyncIterable<{ id: { toString(): string }; multiaddrs: string[] }>
}
