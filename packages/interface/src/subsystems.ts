import { cidOf } from '@ipfrs/core'
import type { LocalNodeApi } from '@ipfrs/node-api'
import type { HealthReport, Subsystem } from './health.js'

const PROBE = new TextEncoder().encode('ipfrs health probe\n')
const PROBE_CID = cidOf(PROBE, 0x55)

interface Startable {
  start(): Promise<void> | void
  stop(): Promise<void> | void
  isStarted?(): boolean
  routingTable?: { size: number }
}

/** A feature subsystem (semantic index, knowledge base) a node may carry; absent ones report "not enabled". */
export interface FeatureHealth {
  health(): Promise<HealthReport> | HealthReport
  restart?(): Promise<void>
}

/**
 * Health checks built from the node alone: storage (a probe block written and read back through the repo's whole
 * block stack), network (libp2p running and listening), DHT (the Kademlia service running; restarted when it is
 * not), and the semantic and tensorlogic layers when the node has them.
 */
export function defaultSubsystems(
  node: LocalNodeApi,
  features: { semantic?: FeatureHealth; tensorlogic?: FeatureHealth } = featureHealth(node),
): Subsystem[] {
  const storage: Subsystem = {
    name: 'storage',
    async check() {
      const stored = await node.block.put(PROBE, { format: 'raw' })
      const back = await node.block.get(stored.cid)
      if (!Buffer.from(back).equals(Buffer.from(PROBE)) || !stored.cid.equals(PROBE_CID))
        return { status: 'down', details: { error: 'probe block read back differently' } }
      return { status: 'ok', details: { repo: node.repo.path } }
    },
  }
  const network: Subsystem = {
    name: 'network',
    async check() {
      if (!node.isOnline) return { status: 'down', details: { reason: 'offline' } }
      const status = node.network.libp2p.status
      const addresses = node.network.addresses()
      const peers = new Set(node.network.peers().map((p) => p.peer)).size
      if (status !== 'started') return { status: 'down', details: { libp2p: status } }
      if (addresses.length === 0) return { status: 'degraded', details: { reason: 'not listening', peers } }
      return { status: 'ok', details: { peers, addresses: addresses.length } }
    },
  }
  const dht: Subsystem = {
    name: 'dht',
    async check() {
      if (node.config.Routing.Type === 'none') return { status: 'ok', details: { enabled: false } }
      const service = node.isOnline ? (node.network.libp2p.services.dht as Startable | undefined) : undefined
      if (service == null) return { status: 'down', details: { reason: 'no DHT service' } }
      if (service.isStarted?.() === false) return { status: 'down', details: { reason: 'DHT service stopped' } }
      const size = service.routingTable?.size ?? 0
      const lan = (node.network.libp2p.services.lanDHT as Startable | undefined)?.routingTable?.size ?? 0
      const lonely = size === 0 && lan === 0 && node.config.Bootstrap.length > 0
      return {
        status: lonely ? 'degraded' : 'ok',
        details: {
          routingTableSize: size,
          lanRoutingTableSize: lan,
          ...(lonely ? { reason: 'no DHT peers yet' } : {}),
        },
      }
    },
    async restart() {
      const service = node.network.libp2p.services.dht as Startable | undefined
      if (service == null) return
      await service.start()
    },
  }
  const feature = (name: 'semantic' | 'tensorlogic', f: FeatureHealth | undefined): Subsystem => ({
    name,
    async check() {
      if (f == null) return { status: 'ok', details: { enabled: false } }
      return f.health()
    },
    ...(f?.restart != null ? { restart: () => f.restart?.() ?? Promise.resolve() } : {}),
  })
  return [storage, network, dht, feature('semantic', features.semantic), feature('tensorlogic', features.tensorlogic)]
}

/** /health's feature categories of a node: its vector index and its knowledge base. */
export function featureHealth(node: LocalNodeApi): { semantic: FeatureHealth; tensorlogic: FeatureHealth } {
  return {
    semantic: {
      health: () => {
        if (node.config.Semantic?.Enabled !== true) return { status: 'ok', details: { enabled: false } }
        const stats = node.semantic.stats()
        if (!stats.started) return { status: 'down', details: { reason: 'the semantic store is not started' } }
        return {
          status: 'ok', // a corrupt snapshot found at start was rebuilt from the records log: reported, not a fault
          details: {
            vectors: stats.vectors,
            ...(stats.recoveredFromCorruptSnapshot ? { recoveredFromCorruptSnapshot: true } : {}),
            ...(stats.network !== undefined ? { dhtPeers: stats.network.knownPeers } : {}),
          },
        }
      },
    },
    tensorlogic: {
      health: () => {
        if (!node.isStarted) return { status: 'down', details: { reason: 'the node is not started' } }
        const { facts, rules, root, restoreError } = node.logic.stats()
        return {
          status: 'ok', // an unreadable snapshot found at start is reported; the KB is open (empty) all the same
          details: { facts, rules, ...(root !== undefined ? { root } : {}), ...(restoreError ? { restoreError } : {}) },
        }
      },
    },
  }
}
