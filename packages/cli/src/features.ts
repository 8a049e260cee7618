/**
 * What the daemon serves beyond the interface's Kubo commands: each feature layer of the node (tensors, the semantic
 * index, the knowledge base) contributes its RPC commands and its /health category here, one line each.
 */
import type { FeatureHealth, RpcCommand } from '@ipfrs/interface'
import type { Node } from 'ipfrs'
import { tensorRpcCommands } from './tensor-api.js'

/** The feature layers' RPC commands (`tensor/*`, …), served by the daemon next to Kubo's. */
export function featureRpcCommands(node: Node): Record<string, RpcCommand> {
  return {
    ...tensorRpcCommands(node),
  }
}

/** /health's feature categories for `defaultSubsystems`. */
export function featureHealth(node: Node): { semantic?: FeatureHealth; tensorlogic?: FeatureHealth } {
  return {
    semantic: semanticHealth(node),
  }
}

/** /health's `semantic` category: the node's vector index (started, its size, a rebuild after a corrupt snapshot). */
function semanticHealth(node: Node): FeatureHealth {
  return {
    health: () => {
      if (node.config.Semantic?.Enabled !== true) return { status: 'ok', details: { enabled: false } }
      const store = node.semantic.store
      if (!store.isStarted) return { status: 'down', details: { reason: 'the semantic store is not started' } }
      return {
        status: 'ok', // a corrupt snapshot found at start was rebuilt from the records log: it is reported, not a fault
        details: { vectors: store.size, ...(store.recovery != null ? { recoveredFromCorruptSnapshot: true } : {}) },
      }
    },
  }
}
