/**
 * What the daemon serves beyond the interface's Kubo commands: each feature layer of the node (tensors, the semantic
 * index, the knowledge base) contributes its RPC commands and its /health category here, one line each.
 */
import type { FeatureHealth, RpcCommand } from '@ipfrs/interface'
import type { Node } from 'ipfrs'
import { logicRpcCommands } from './logic-api.js'
import { semanticRpcCommands } from './semantic-api.js'
import { tensorRpcCommands } from './tensor-api.js'

/** The feature layers' RPC commands (`tensor/*`, …), served by the daemon next to Kubo's. */
export function featureRpcCommands(node: Node): Record<string, RpcCommand> {
  return {
    ...tensorRpcCommands(node),
    ...logicRpcCommands(node),
    ...semanticRpcCommands(node),
  }
}

/** /health's feature categories for `defaultSubsystems`. */
export function featureHealth(node: Node): { semantic?: FeatureHealth; tensorlogic?: FeatureHealth } {
  return {
    semantic: semanticHealth(node),
    tensorlogic: logicHealth(node),
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
        details: {
          vectors: store.size,
          ...(store.recovery != null ? { recoveredFromCorruptSnapshot: true } : {}),
          ...(node.semantic.isOnline ? { dhtPeers: node.semantic.network.stats().knownPeers } : {}),
        },
      }
    },
  }
}

/** /health's `tensorlogic` category: the knowledge base (open, its counts, the last snapshot's root). */
function logicHealth(node: Node): FeatureHealth {
  return {
    health: () => {
      if (!node.isStarted) return { status: 'down', details: { reason: 'the node is not started' } }
      const { facts, rules, root, restoreError } = node.logic.stats()
      return {
        status: 'ok', // an unreadable snapshot found at start is reported; the KB is open (empty) all the same
        details: { facts, rules, ...(root !== undefined ? { root } : {}), ...(restoreError ? { restoreError } : {}) },
      }
    },
  }
}
