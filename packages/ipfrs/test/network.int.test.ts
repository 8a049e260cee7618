import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { formatCid } from '@ipfrs/core'
import { collect, tempDir, waitFor } from '@ipfrs/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import type { Node } from '../src/index.js'
import { onlineNode as online, vectorBytes } from './helpers.js'

type Transport = 'tcp' | 'quic'

/** A started online node on 127.0.0.1 with a fresh repo, bootstrapping from `bootstrap` only (never the public list). */
const onlineNode = (dir: string, name: string, transport: Transport, bootstrap: string[]) =>
  online(join(dir, name), { transports: [transport], bootstrap })

async function sha256Of(source: AsyncIterable<Uint8Array>): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of source) h.update(chunk)
  return h.digest('hex')
}

describe.each(['tcp', 'quic'] as const)('five nodes over %s on 127.0.0.1', (transport) => {
  const nodes: Node[] = []
  let cleanup: (() => Promise<void>) | undefined
  afterEach(async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()))
    nodes.length = 0
    await cleanup?.()
  })

  it('E, knowing only the bootstrap node, finds A through the DHT and fetches A’s 20 MiB file over Bitswap', async () => {
    const t = await tempDir()
    cleanup = t.cleanup
    const b = await onlineNode(t.dir, 'b', transport, [])
    nodes.push(b)
    const bootstrap = b.network.addresses().filter((a) => a.includes(transport === 'tcp' ? '/tcp/' : '/quic-v1'))
    expect(bootstrap.length).toBeGreaterThan(0)
    for (const name of ['a', 'c', 'd', 'e']) nodes.push(await onlineNode(t.dir, name, transport, bootstrap))
    const [, a, , , e] = nodes as [Node, Node, Node, Node, Node]
    // everyone has joined through B
    await waitFor(() => nodes.every((n) => n.network.peers().length > 0), { what: 'the network to form' })
    // E was told of B only (others may find E through the DHT later; E never learns A's address from us)
    expect(e.config.Bootstrap).toEqual(bootstrap)
    expect(e.network.peers().map((p) => p.peer)).toContain(b.peerId)

    const size = 20 * 1024 * 1024
    const { cid } = await a.addFile(vectorBytes(size, 17, 3)) // auto-provides the root, in the background
    await a.whenProvided()

    const providers = []
    for await (const p of e.findProviders(cid, { signal: AbortSignal.timeout(30_000) })) {
      providers.push(p.id.toString())
      if (p.id.toString() === a.peerId) break
    }
    expect(providers).toContain(a.peerId)

    expect(await sha256Of(e.cat(cid))).toBe(await sha256Of(vectorBytes(size, 17, 3)))
    // what E fetched is in its repo now, whole and verified
    expect((await e.repoVerify()).problems).toEqual([])
    expect(formatCid(cid)).toMatch(/^Qm/)
  })
})

describe('identity', () => {
  it('an online node keeps its Peer ID across restarts: the repo key is the libp2p key', async () => {
    const t = await tempDir()
    try {
      const node = await onlineNode(t.dir, 'same', 'tcp', [])
      const first = node.network.peerId.toString()
      expect(first).toBe(node.peerId)
      await node.stop()
      await node.start()
      expect(node.network.peerId.toString()).toBe(first)
      expect(node.network.addresses().every((a) => a.endsWith(`/p2p/${first}`))).toBe(true)
      await node.stop()
    } finally {
      await t.cleanup()
    }
  })
})

describe('offline behaviour of an online node', () => {
  it('a fetch with no peers connected answers ERR_OFFLINE at once instead of hanging', async () => {
    const t = await tempDir()
    const node = await onlineNode(t.dir, 'alone', 'tcp', [])
    try {
      // an add with nobody to provide to still returns (the DHT announcement waits in the background)
      const { cid } = await node.addBytes(new TextEncoder().encode('alone'))
      expect(new TextDecoder().decode(await collect(node.cat(cid)))).toBe('alone')
      const started = Date.now()
      const err = await (async () => {
        for await (const _ of node.cat('QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN')) break
      })().catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'ERR_OFFLINE' })
      expect(Date.now() - started).toBeLessThan(2000) // the bound: offline is reported within 2 seconds
    } finally {
      await node.stop()
      await t.cleanup()
    }
  })
})
