import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { localConfig, type NodeConfig } from '@ipfrs/core'
import { createNode, type Node } from 'ipfrs'
import { Daemon, DaemonMetrics } from '../src/index.js'

export interface TestDaemon {
  node: Node
  daemon: Daemon
  dir: string
  stop: () => Promise<void>
}

/** A started online node on 127.0.0.1 (no bootstrap peers) served by a daemon on free ports. */
export async function startDaemon(
  options: { configure?: (config: Partial<NodeConfig> & Record<string, unknown>) => void } = {},
): Promise<TestDaemon> {
  const dir = await mkdtemp(join(tmpdir(), 'ipfrs-iface-'))
  const config: Record<string, unknown> = localConfig({ transports: ['tcp'] })
  options.configure?.(config)
  const metrics = new DaemonMetrics()
  let node: Node | undefined
  let daemon: Daemon
  try {
    node = createNode({
      repoPath: join(dir, 'repo'),
      init: { config: config as never },
      online: true,
      metricsRegistry: metrics.registry,
    })
    await node.start()
    daemon = await Daemon.start({ node, repoPath: join(dir, 'repo'), metrics })
  } catch (err) {
    await node?.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  return {
    node,
    daemon,
    dir,
    stop: async () => {
      await daemon.stop()
      await node.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Kubo's error body: `{ Message, Code, Type: 'error' }`. */
export interface KuboError {
  Message: string
  Code: number
  Type: string
}

/** POSTs to the RPC API. */
export function rpc(d: TestDaemon, command: string, init: RequestInit & { query?: string } = {}): Promise<Response> {
  const { query, ...rest } = init
  return fetch(`${d.daemon.apiUrl}/api/v0/${command}${query ? `?${query}` : ''}`, { method: 'POST', ...rest })
}
