import { encodeBlock } from '@ipfrs/core'
import { localNetwork, waitFor } from '@ipfrs/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { type Announcement, BLOCKS_TOPIC, Network } from '../src/index.js'

describe('GossipSub block announcements', () => {
  const networks: Network[] = []
  afterEach(async () => {
    await Promise.allSettled(networks.map((n) => n.stop()))
    networks.length = 0
  })

  async function meshOf(count: number): Promise<Network[]> {
    const nodes: Network[] = []
    for (let i = 0; i < count; i++) nodes.push(await localNetwork(Network))
    networks.push(...nodes)
    for (const n of nodes.slice(1)) await n.connect(nodes[0]!.addresses()[0]!)
    // gossipsub needs a heartbeat or two to graft the mesh on the topic
    await waitFor(() =>
      nodes.every((n) => {
        const pubsub = n.libp2p.services.pubsub as { getSubscribers(t: string): unknown[] }
        return pubsub.getSubscribers(BLOCKS_TOPIC).length > 0
      }),
    )
    return nodes
  }

  it('reach every subscriber, and a burst of duplicates is delivered once', async () => {
    const [hub, a, b] = await meshOf(3)
    const heard = new Map<string, Announcement[]>()
    for (const n of [hub!, b!]) {
      const list: Announcement[] = []
      heard.set(n.peerId.toString(), list)
      n.onAnnouncement((x) => list.push(x))
    }
    const { cid } = encodeBlock({ announced: 1 }, 'dag-cbor')
    await new Promise((r) => setTimeout(r, 1500)) // let the mesh form before publishing
    for (let i = 0; i < 10; i++) await a!.provide(cid).catch(() => undefined) // provide also announces; DHT may be thin
    await waitFor(() => [...heard.values()].every((l) => l.length > 0), { timeout: 10_000 })
    await new Promise((r) => setTimeout(r, 500))
    for (const list of heard.values()) {
      expect(list).toHaveLength(1)
      expect(list[0]!.cid.toString()).toBe(cid.toString())
      expect(list[0]!.from).toBe(a!.peerId.toString())
    }
  })

  it('ignore messages on the topic that are not CIDs', async () => {
    const [hub, a] = await meshOf(2)
    const heard: Announcement[] = []
    hub!.onAnnouncement((x) => heard.push(x))
    await new Promise((r) => setTimeout(r, 1500))
    await a!.publish(BLOCKS_TOPIC, new TextEncoder().encode('definitely not a CID'))
    const { cid } = encodeBlock({ announced: 2 }, 'dag-cbor')
    await a!.publish(BLOCKS_TOPIC, cid.bytes)
    await waitFor(() => heard.length > 0, { timeout: 10_000 })
    expect(heard.map((h) => h.cid.toString())).toEqual([cid.toString()])
  })

  it('apps can subscribe and publish on their own topics', async () => {
    const [hub, a] = await meshOf(2)
    const got: string[] = []
    const unsubscribe = hub!.subscribe('/my-app/1.0.0', (data, from) =>
      got.push(`${new TextDecoder().decode(data)} from ${from}`),
    )
    a!.subscribe('/my-app/1.0.0', () => undefined)
    await new Promise((r) => setTimeout(r, 1500))
    await a!.publish('/my-app/1.0.0', new TextEncoder().encode('hello'))
    await waitFor(() => got.length > 0, { timeout: 10_000 })
    expect(got).toEqual([`hello from ${a!.peerId.toString()}`])
    unsubscribe()
  })
})
