import { join } from 'node:path'
import { tempDir, waitFor } from '@ipfrs/test-utils'
import { unmarshalIPNSRecord } from 'ipns'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Node } from '../src/index.js'
import { onlineNode } from './helpers.js'

describe('IPNS republishing', () => {
  let a: Node
  let b: Node
  let cleanup: () => Promise<void>

  beforeAll(async () => {
    const dir = await tempDir()
    cleanup = dir.cleanup
    a = await onlineNode(join(dir.dir, 'a'))
    b = await onlineNode(join(dir.dir, 'b'))
    await b.network.connect(a.network.addresses()[0] as string)
    const dht = (n: Node) => n.network.libp2p.services.dht as { routingTable: { size: number } }
    await waitFor(() => dht(a).routingTable.size > 0 && dht(b).routingTable.size > 0, { what: 'routing tables' })
  })
  afterAll(async () => {
    await a?.stop()
    await b?.stop()
    await cleanup?.()
  })

  it('signs every published name again with the next sequence number and a later expiry, and peers take it', async () => {
    const { cid } = await a.addBytes(new TextEncoder().encode('kept alive'))
    await a.keys.gen('kept')
    const { name } = await a.name.publish(`/ipfs/${cid}`, { key: 'kept', lifetimeMs: 60_000 })
    const first = unmarshalIPNSRecord(await b.name.getRecord(name))
    expect(first.sequence).toBe(0n)

    await a.keys.rename('kept', 'renamed') // the republisher finds the key that signs for the name
    a.name.startRepublisher(300, 100) // Kubo's: after 1 min, then every 4 h; short ones prove the timers
    await waitFor(async () => unmarshalIPNSRecord(await b.name.getRecord(name)).sequence >= 2n, {
      what: 'two republishes to reach b',
      timeout: 20_000,
    })
    const later = unmarshalIPNSRecord(await b.name.getRecord(name))
    expect(later.value).toBe(first.value)
    expect(Date.parse(later.validity)).toBeGreaterThan(Date.parse(first.validity))
    expect(await b.name.resolve(name)).toBe(`/ipfs/${cid}`)

    // a removed key is no longer republished
    a.name.stopRepublisher()
    await a.keys.rm('renamed')
    expect(await a.name.republish()).toBe(0)
  })
})
