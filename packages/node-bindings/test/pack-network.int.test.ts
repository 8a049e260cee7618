import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { packAndInstall, runScript } from './pack-install.js'

const SCRIPT = `import { Network } from '@ipfrs/network'
import { defaultConfig } from '@ipfrs/core'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'

const config = defaultConfig()
config.Addresses.Swarm = ['/ip4/127.0.0.1/tcp/0']
config.Bootstrap = []
const n = Network.create({ config, privateKey: await generateKeyPair('Ed25519'), blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
await n.start()
const peerId = n.peerId.toString()
const addresses = n.addresses().map(String)
await n.stop()
console.log(JSON.stringify({ peerId, addresses }))
`

describe('@ipfrs/network alone from its packed tarball', () => {
  let dir: string | undefined

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('installs offline and starts a node on 127.0.0.1 with no bootstrap', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfrs-pack-network-'))
    const project = await packAndInstall(['@ipfrs/network', '@ipfrs/core'], dir, {
      '@libp2p/crypto': '5.1.23',
      'blockstore-core': '7.0.1',
      'datastore-core': '12.0.1',
    })
    const out = (await runScript(project, 'check.mjs', SCRIPT)) as { peerId: string; addresses: string[] }
    expect(out.peerId).toMatch(/^12D3KooW/)
    expect(out.addresses.length).toBeGreaterThan(0)
    for (const a of out.addresses) {
      expect(a.startsWith('/ip4/127.0.0.1/')).toBe(true)
      expect(a.endsWith(`/p2p/${out.peerId}`)).toBe(true)
    }
  })
})
