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

  it('trims on a timer too: connections kept through their grace period are closed once it ends', {
    timeout: 60_000,
  }, async () => {
    const hub = await localNetwork(Network, {
      configure: (c) => {
        c.Swarm.ConnMgr = { LowWater: 1, HighWater: 2, GracePeriodSeconds: 5 }
      },
    })
    networks.push(hub)
    const peers: Network[] = []
    for (let i = 0; i < 3; i++) peers.push(await localNetwork(Network))
    networks.push(...peers)
    // all three arrive within the grace period: none is trimmed when it connects
    await Promise.all(peers.map((p) => p.connect(hub.addresses()[0]!)))
    const count = () => new Set(hub.peers().map((p) => p.peer)).size
    await waitFor(() => count() === 3, { timeout: 4000, what: 'the hub to see its three peers' })
    // no new connection opens afterwards, yet the hub comes down to LowWater
    await waitFor(() => count() === 1, { timeout: 30_000, what: 'the periodic trim' })
  })

  it('a trimmed peer stays trimmed: kad-dht keep-alive tags do not make its peers dial it straight back', {
    timeout: 60_000,
  }, async () => {
    const hub = await localNetwork(Network, {
      configure: (c) => {
        c.Swarm.ConnMgr = { LowWater: 1, HighWater: 3, GracePeriodSeconds: 0 }
      },
    })
    networks.push(hub)
    const peers: Network[] = []
    for (let i = 0; i < 3; i++) peers.push(await localNetwork(Network))
    networks.push(...peers)
    for (const p of peers) await p.connect(hub.addresses()[0]!)
    // kad-dht tags the peers closest to its own ID keep-alive (libp2p then redials them whenever they disconnect); it
    // retags every 5 s, so by now every node has tagged the others
    await new Promise((r) => setTimeout(r, 7000))
    const fourth = await localNetwork(Network)
    networks.push(fourth)
    const count = () => new Set(hub.peers().map((p) => p.peer)).size
    await fourth.connect(hub.addresses()[0]!)
    await waitFor(() => count() === 1, { timeout: 15_000, what: 'the trim to LowWater' })
    let redials = 0
    const onConnect = () => void redials++
    hub.libp2p.addEventListener('peer:connect', onConnect)
    // libp2p's reconnect queue redials a keep-alive peer within a second of losing it (then backs off 1, 2, 4 s)
    await new Promise((r) => setTimeout(r, 5000))
    hub.libp2p.removeEventListener('peer:connect', onConnect)
    expect(redials).toBe(0)
    expect(count()).toBe(1)
  })
})
