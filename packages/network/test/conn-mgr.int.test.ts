import type { NodeConfig } from '@ipfrs/core'
import { localNetwork, waitFor } from '@ipfrs/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { Network } from '../src/index.js'

describe('connection manager watermarks', () => {
  const networks: Network[] = []
  afterEach(async () => {
    await Promise.allSettled(networks.map((n) => n.stop()))
    networks.length = 0
  })

  /** A started network, stopped after the test; with `connMgr`, that is its `Swarm.ConnMgr`. */
  const node = async (connMgr?: NodeConfig['Swarm']['ConnMgr']): Promise<Network> => {
    const n = await localNetwork(Network, {
      configure: (c) => {
        if (connMgr) c.Swarm.ConnMgr = connMgr
      },
    })
    networks.push(n)
    return n
  }
  /** Three plain networks. */
  const threePeers = async () => [await node(), await node(), await node()]
  /** Distinct peers connected to `n`. */
  const peerCount = (n: Network) => new Set(n.peers().map((p) => p.peer)).size

  it('trims to LowWater once more than HighWater peers are connected', async () => {
    const hub = await node({ LowWater: 2, HighWater: 3, GracePeriodSeconds: 0 })
    for (const p of await threePeers()) await p.connect(hub.addresses()[0]!)
    await new Promise((r) => setTimeout(r, 300))
    expect(peerCount(hub)).toBe(3) // at HighWater: nothing trimmed
    const fourth = await node()
    await fourth.connect(hub.addresses()[0]!)
    // trimmed to LowWater, not just below HighWater (a trimmed peer may dial back later; that is a new connection)
    await waitFor(() => peerCount(hub) === 2)
  })

  it('trims on a timer too: connections kept through their grace period are closed once it ends', {
    timeout: 60_000,
  }, async () => {
    const hub = await node({ LowWater: 1, HighWater: 2, GracePeriodSeconds: 5 })
    // all three arrive within the grace period: none is trimmed when it connects
    await Promise.all((await threePeers()).map((p) => p.connect(hub.addresses()[0]!)))
    await waitFor(() => peerCount(hub) === 3, { timeout: 4000, what: 'the hub to see its three peers' })
    // no new connection opens afterwards, yet the hub comes down to LowWater
    await waitFor(() => peerCount(hub) === 1, { timeout: 30_000, what: 'the periodic trim' })
  })

  it('a trimmed peer stays trimmed: kad-dht keep-alive tags do not make its peers dial it straight back', {
    timeout: 60_000,
  }, async () => {
    const hub = await node({ LowWater: 1, HighWater: 3, GracePeriodSeconds: 0 })
    for (const p of await threePeers()) await p.connect(hub.addresses()[0]!)
    // kad-dht tags the peers closest to its own ID keep-alive (libp2p then redials them whenever they disconnect); it
    // retags every 5 s, so by now every node has tagged the others
    await new Promise((r) => setTimeout(r, 7000))
    const fourth = await node()
    await fourth.connect(hub.addresses()[0]!)
    await waitFor(() => peerCount(hub) === 1, { timeout: 15_000, what: 'the trim to LowWater' })
    let redials = 0
    const onConnect = () => void redials++
    hub.libp2p.addEventListener('peer:connect', onConnect)
    // libp2p's reconnect queue redials a keep-alive peer within a second of losing it (then backs off 1, 2, 4 s)
    await new Promise((r) => setTimeout(r, 5000))
    hub.libp2p.removeEventListener('peer:connect', onConnect)
    expect(redials).toBe(0)
    expect(peerCount(hub)).toBe(1)
  })
})
