import { localNetwork, waitFor } from '@ipfrs/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { Network } from '../src/index.js'

describe('connection manager watermarks', () => {
  const networks: Network[] = []
  afterEach(async () => {
    await Promise.allSettled(networks.map((n) => n.stop()))
    networks.length = 0
  })

  it('trims to LowWater once more than HighWater peers are connected', async () => {
    const hub = await localNetwork(Network, {
      configure: (c) => {
        c.Swarm.ConnMgr = { LowWater: 2, HighWater: 3, GracePeriodSeconds: 0 }
      },
    })
    networks.push(hub)
    const peers: Network[] = []
    for (let i = 0; i < 3; i++) peers.push(await localNetwork(Network))
    networks.push(...peers)
    for (const p of peers) await p.connect(hub.addresses()[0]!)
    await new Promise((r) => setTimeout(r, 300))
    expect(new Set(hub.peers().map((p) => p.peer)).size).toBe(3) // at HighWater: nothing trimmed
    const fourth = await localNetwork(Network)
    networks.push(fourth)
    await fourth.connect(hub.addresses()[0]!)
    // trimmed to LowWater, not just below HighWater (a trimmed peer may dial back later; that is a new connection)
    await waitFor(() => new Set(hub.peers().map((p) => p.peer)).size === 2)
  })
})
