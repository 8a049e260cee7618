import type { NodeConfig } from '@ipfrs/core'
import { encodeBlock } from '@ipfrs/core'
import { localNetwork, waitFor } from '@ipfrs/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { Network } from '../src/index.js'

const TTL_SECONDS = 3

async function providersOf(network: Network, cid: Parameters<Network['findProviders']>[0]): Promise<string[]> {
  const found: string[] = []
  for await (const p of network.findProviders(cid, { signal: AbortSignal.timeout(3000) })) found.push(p.id.toString())
  return found
}

describe(`provider records with a ${TTL_SECONDS} s TTL`, () => {
  const networks: Network[] = []
  afterEach(async () => {
    await Promise.allSettled(networks.map((n) => n.stop()))
    networks.length = 0
  })

  async function threeNodes(reprovideSeconds: number) {
    const configure = (c: NodeConfig) => {
      c.Routing.ProviderTTLSeconds = TTL_SECONDS
      c.Routing.ReprovideIntervalSeconds = reprovideSeconds
    }
    const server = await localNetwork(Network, { configure })
    const provider = await localNetwork(Network, { configure })
    const querier = await localNetwork(Network, { configure })
    networks.push(server, provider, querier)
    await provider.connect(server.addresses()[0]!)
    await querier.connect(server.addresses()[0]!)
    await waitFor(() => server.peers().length === 2)
    return { server, provider, querier }
  }

  it('expire once their provider stops re-announcing them', async () => {
    const { provider, querier } = await threeNodes(3600)
    const { cid } = encodeBlock({ expires: true }, 'dag-cbor')
    await provider.provide(cid)
    expect(await providersOf(querier, cid)).toContain(provider.peerId.toString())
    await provider.stop()
    // a stopped provider's record is still served until it expires: what removes it below is the TTL
    expect(await providersOf(querier, cid)).toContain(provider.peerId.toString())
    // the TTL passes and the next cleanup pass (every TTL/4) drops the record everywhere
    await new Promise((r) => setTimeout(r, TTL_SECONDS * 1000 + 1500))
    expect(await providersOf(querier, cid)).toEqual([])
  })

  it('stay findable while their provider re-announces them', async () => {
    const { provider, querier } = await threeNodes(1)
    const { cid } = encodeBlock({ expires: false }, 'dag-cbor')
    await provider.provide(cid)
    await new Promise((r) => setTimeout(r, TTL_SECONDS * 1000 + 1500))
    expect(await providersOf(querier, cid)).toContain(provider.peerId.toString())
  })
})
