import { join } from 'node:path'
import { type LocalConfigOptions, localConfig } from '@ipfrs/core'
import { tempDir, waitFor } from '@ipfrs/test-utils'
import { TENSORSWAP_PROTOCOL } from '@ipfrs/transport'
import { createNode, type Node } from '../src/index.js'

/** A started node over a fresh repo in a temp dir. */
export async function tempNode(
  init: Parameters<typeof createNode>[0] = {},
): Promise<{ node: Node; dir: string; cleanup: () => Promise<void> }> {
  const { dir, cleanup } = await tempDir()
  const node = createNode({ repoPath: join(dir, 'repo'), init: true, ...init })
  await node.start()
  return {
    node,
    dir,
    cleanup: async () => {
      await node.stop()
      await cleanup()
    },
  }
}

/** The test-vector generator: byte i = (i * a + b) mod 251, produced in pieces so big files never sit in memory. */
export async function* vectorBytes(size: number, a: number, b: number, piece = 1 << 20): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < size; start += piece) {
    const n = Math.min(piece, size - start)
    const out = new Uint8Array(n)
    for (let j = 0; j < n; j++) out[j] = ((start + j) * a + b) % 251
    yield out
  }
}

/**
 * A started online node over a fresh repo at `repoPath` that stays on 127.0.0.1 (TCP only unless `transports` says
 * otherwise) and bootstraps from `bootstrap` only, never the public list. `config` overrides top-level sections.
 */
export async function onlineNode(
  repoPath: string,
  options: LocalConfigOptions & { config?: Record<string, unknown> } = {},
): Promise<Node> {
  const { config, ...local } = options
  const base = localConfig({ transports: ['tcp'], ...local })
  // a Routing override keeps the profile's loopback-on-the-public-DHT setting unless it says otherwise
  const routing = { ...base.Routing, ...(config?.Routing as object | undefined) }
  const node = createNode({
    repoPath,
    online: true,
    init: { config: { ...base, ...config, Routing: routing } },
  })
  await node.start()
  return node
}

/** Connects `from` to `to` (at `addr`, default its first address) and waits until identify says `to` speaks TensorSwap. */
export async function linkTensorSwap(from: Node, to: Node, addr = to.network.addresses()[0] as string): Promise<void> {
  await from.network.connect(addr)
  const libp2p = from.network.libp2p
  await waitFor(
    async () => {
      const conn = libp2p.getConnections().find((c) => c.remotePeer.toString() === to.peerId)
      if (conn == null) return false
      const peer = await libp2p.peerStore.get(conn.remotePeer).catch(() => undefined)
      return peer?.protocols.includes(TENSORSWAP_PROTOCOL) === true
    },
    { timeout: 10_000, interval: 50, what: `identify of ${to.peerId}` },
  )
}
