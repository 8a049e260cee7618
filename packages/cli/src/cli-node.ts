import type { NodeApi } from '@ipfrs/node-api'

/**
 * What the CLI's commands use of a node: the node contract itself. Both a local `ipfrs` Node (the repo opened by the
 * command) and a `RemoteNode` (a running daemon, through its RPC API) implement it, so every command works either way.
 */
export type CliNode = NodeApi
