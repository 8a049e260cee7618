import type { CID, NodeConfig } from '@ipfrs/core'
import type { PeerConnection } from '@ipfrs/network'
import type { GcOptions, GcResult, Pin, PinType, RepoStat, VerifyResult } from '@ipfrs/storage'
import type {
  AddOptions,
  AddPathOptions,
  AddResult,
  BlockPutOptions,
  BlockStat,
  CarImportResult,
  CatOptions,
  LsEntry,
  NodeId,
} from 'ipfrs'

interface Signal {
  signal?: AbortSignal
}

/**
 * What the CLI's commands use of a node. Both a local `ipfrs` Node (the repo opened by the command) and a
 * `RemoteNode` (a running daemon, through its RPC API) provide it, so every command works either way.
 */
export interface CliNode {
  readonly peerId: string
  readonly config: NodeConfig
  readonly repo: { readonly config: NodeConfig; saveConfig(config: NodeConfig): Promise<void> }
  id(): NodeId
  addFile(source: string | AsyncIterable<Uint8Array>, options?: AddOptions): Promise<AddResult>
  addPath(path: string, options?: AddPathOptions): AsyncGenerator<AddResult>
  cat(path: string, options?: CatOptions): AsyncGenerator<Uint8Array>
  get(path: string, out: string, options?: Signal & { onProgress?: (bytes: number) => void }): Promise<number>
  stat(path: string, options?: Signal): Promise<{ cid: string; type: LsEntry['type']; size: bigint }>
  ls(path: string, options?: Signal): AsyncGenerator<LsEntry>
  readonly block: {
    put(bytes: Uint8Array, options?: BlockPutOptions): Promise<BlockStat>
    get(cid: CID, options?: Signal): Promise<Uint8Array>
    has(cid: CID, options?: Signal): Promise<boolean>
    stat(cid: CID, options?: Signal): Promise<BlockStat>
    rm(cids: CID[], options?: Signal & { force?: boolean }): Promise<CID[]>
  }
  readonly pin: {
    add(cid: CID | string, options?: Signal & { recursive?: boolean }): Promise<Pin>
    rm(cid: CID | string, options?: Signal): Promise<void>
    ls(options?: Signal & { type?: PinType | 'all' }): AsyncGenerator<Pin>
  }
  gc(options?: GcOptions): Promise<GcResult>
  readonly dag: {
    export(cid: CID | string, options?: Signal): AsyncGenerator<Uint8Array>
    import(source: AsyncIterable<Uint8Array>, options?: Signal & { pinRoots?: boolean }): Promise<CarImportResult>
  }
  repoStat(): Promise<RepoStat>
  repoVerify(): Promise<VerifyResult>
  provide(cid: CID | string, options?: Signal): Promise<void>
  findProviders(
    cid: CID | string,
    options?: Signal,
  ): AsyncGenerator<{ id: { toString(): string }; multiaddrs: string[] }>
  readonly network: {
    addresses(): string[]
    peers(): PeerConnection[]
    connect(address: string, options?: Signal): Promise<string>
    disconnect(address: string, options?: Signal): Promise<void>
    findPeer(peer: string, options?: Signal): Promise<string[]>
    readonly libp2p: { getProtocols(): string[] }
  }
}
