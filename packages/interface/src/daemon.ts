import { once } from 'node:events'
import { rm, writeFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { countBuffersInHeapLimit, steadyHeapGrowth } from '@ipfrs/core'
import type { LocalNodeApi } from '@ipfrs/node-api'
import { API_FILE, GATEWAY_FILE, tcpAddress } from './api-address.js'
import { gatewayHandler } from './gateway.js'
import { HealthSupervisor, type Subsystem } from './health.js'
import { IdleCollector } from './idle-gc.js'
import { DaemonMetrics } from './metrics.js'
import { isRoutingRequest, routingHandler } from './routing-v1.js'
import { shutdownCommand } from './rpc-config.js'
import type { RpcCommand } from './rpc-context.js'
import { rpcHandler } from './rpc-server.js'
import { defaultSubsystems } from './subsystems.js'

// required, not imported (as the CLI's api-client does): node:http's ESM namespace reads its lazy `WebSocket` export,
// which loads undici; with lz4/snappy loaded on first use, an idle daemon's RSS went 119-120 -> 112-113 MiB
const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http')

/** Node's own header limit, stated: requests with bigger headers get 431 before any handler runs. */
const MAX_HEADER_BYTES = 16 * 1024

export interface DaemonInit {
  /** A started node. The daemon serves it; starting and stopping the node is the caller's job. */
  node: LocalNodeApi
  /** Where to write the `api` and `gateway` files (the repo); omit to write none. */
  repoPath?: string
  /** Subsystems /health reports and the supervisor restarts (default: checks built from the node). */
  subsystems?: Subsystem[]
  /** Metrics registry; pass the one given to the node so libp2p's metrics appear too. */
  metrics?: DaemonMetrics
  /** Extra RPC commands. */
  commands?: Record<string, RpcCommand>
  /** What the RPC `shutdown` command does after answering (default: the daemon stops answering; the node keeps running). */
  onShutdown?: () => void
  /** Overrides `Addresses.API` / `Addresses.Gateway` (multiaddrs; port 0 picks a free port). */
  apiAddress?: string
  gatewayAddress?: string
}

/**
 * The HTTP face of a node: the Kubo-compatible RPC API (`Addresses.API`, default 127.0.0.1:5001), the read-only
 * gateway (`Addresses.Gateway`, default 127.0.0.1:8080) with the Delegated Routing V1 API under `/routing/v1/`, `/health`, Prometheus metrics, and the web UI at `/webui` on
 * the API port.
 */
export class Daemon {
  readonly metrics: DaemonMetrics
  readonly health: HealthSupervisor
  readonly #api: Server
  readonly #gateway: Server
  readonly #repoPath: string | undefined
  /** One memory-releasing collection after each busy period, so an idle daemon's RSS falls back (see IdleCollector). */
  readonly #idle = new IdleCollector()

  private constructor(init: DaemonInit, metrics: DaemonMetrics, health: HealthSupervisor) {
    this.metrics = metrics
    this.health = health
    this.#repoPath = init.repoPath
    const api = init.node.config.API
    const limits = { maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 0, headersTimeout: 30_000 }
    const shutdown = shutdownCommand(init.onShutdown ?? (() => void this.stop().catch(() => undefined)))
    const commands = { shutdown, ...init.commands }
    const webui = { gatewayUrl: () => this.gatewayUrl }
    this.#api = createServer(limits, rpcHandler(init.node, { api, metrics, health, commands, webui }))
    const gateway = gatewayHandler(init.node, { metrics, health, idle: this.#idle })
    // Kubo serves the Delegated Routing V1 API (/routing/v1/…) on its gateway port; so do we
    const routing = routingHandler(init.node, { metrics })
    this.#gateway = createServer(limits, (req, res) => (isRoutingRequest(req) ? routing : gateway)(req, res))
    for (const server of [this.#api, this.#gateway]) server.on('request', () => this.#idle.touch())
  }

  /** Listens on both addresses and writes the `api` and `gateway` files; resolves once both accept requests. */
  static async start(init: DaemonInit): Promise<Daemon> {
    // blocks move through short-lived buffers: let them die in scavenges, not in a full collection per 64 MiB, and
    // give the heap room to double before the next full collection (see @ipfrs/core's gc-tuning)
    countBuffersInHeapLimit()
    steadyHeapGrowth()
    const metrics = init.metrics ?? new DaemonMetrics()
    metrics.watch(init.node)
    const config = init.node.config
    const intervalSeconds = config.Daemon.HealthIntervalSeconds * (config.Daemon.LowPower ? 6 : 1)
    const health = new HealthSupervisor(init.subsystems ?? defaultSubsystems(init.node), {
      intervalMs: intervalSeconds * 1000,
    })
    const daemon = new Daemon(init, metrics, health)
    await listen(daemon.#api, init.apiAddress ?? config.Addresses.API)
    try {
      await listen(daemon.#gateway, init.gatewayAddress ?? config.Addresses.Gateway)
    } catch (err) {
      daemon.#api.close()
      throw err
    }
    if (daemon.#repoPath != null) {
      await writeFile(join(daemon.#repoPath, API_FILE), `${daemon.apiMultiaddr}\n`)
      await writeFile(join(daemon.#repoPath, GATEWAY_FILE), `${daemon.gatewayUrl}\n`)
    }
    health.start()
    metrics.bandwidth.start(config.Daemon.LowPower ? 6000 : 1000)
    daemon.#idle.afterStartup()
    return daemon
  }

  /** e.g. `http://127.0.0.1:5001` */
  get apiUrl(): string {
    return urlOf(this.#api)
  }

  get apiMultiaddr(): string {
    const a = this.#api.address() as AddressInfo
    return `/${a.family === 'IPv6' ? 'ip6' : 'ip4'}/${a.address}/tcp/${a.port}`
  }

  get gatewayUrl(): string {
    return urlOf(this.#gateway)
  }

  /** Stops answering (open connections are closed), stops the supervisor, removes the `api` and `gateway` files. */
  async stop(): Promise<void> {
    await this.health.stop()
    this.metrics.bandwidth.stop()
    this.#idle.stop()
    for (const server of [this.#api, this.#gateway]) {
      server.closeIdleConnections()
      const closed = once(server, 'close')
      server.close()
      server.closeAllConnections()
      await closed
    }
    if (this.#repoPath != null) {
      await rm(join(this.#repoPath, API_FILE), { force: true })
      await rm(join(this.#repoPath, GATEWAY_FILE), { force: true })
    }
  }
}

async function listen(server: Server, multiaddr: string): Promise<void> {
  const { host, port } = tcpAddress(multiaddr)
  server.listen(port, host)
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err))])
}

function urlOf(server: Server): string {
  const a = server.address() as AddressInfo
  return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
}
