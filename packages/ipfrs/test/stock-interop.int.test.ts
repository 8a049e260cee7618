// Interop with the reference implementations from npm, with no @ipfrs code on their side: a stock Helia node
// (Helia's own light core + libp2p + Bitswap, given only local options) and a stock libp2p node running the stock
// @libp2p/kad-dht. Everything listens on 127.0.0.1; nothing dials out.
import { createHash, randomBytes } from 'node:crypto'
import { type CID, formatCid } from '@ipfrs/core'
import { tempDir } from '@ipfrs/test-utils'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { exporter } from 'ipfs-unixfs-exporter'
import { importer } from 'ipfs-unixfs-importer'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { importerOptions } from '../src/index.js'
import { onlineNode } from './helpers.js'
import { STOCK_LOCAL, stockHelia } from './stock-helia.js'

const ourNode = (dir: string, name: string) => onlineNode(`${dir}/${name}`)

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

async function readUnixfs(blockstore: Parameters<typeof exporter>[1], cid: CID): Promise<Uint8Array> {
  const entry = await exporter(cid, blockstore)
  if (entry.type !== 'file') throw new Error(`expected a file, got ${entry.type}`)
  const parts: Uint8Array[] = []
  for await (const chunk of entry.content()) parts.push(chunk)
  return new Uint8Array(Buffer.concat(parts))
}

describe('Bitswap interop with stock Helia', () => {
  const stops: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
    stops.length = 0
  })

  it('a stock Helia node fetches our content, and we fetch its content', async () => {
    const t = await tempDir()
    stops.push(t.cleanup)
    const ours = await ourNode(t.dir, 'ours')
    stops.push(() => ours.stop())
    const helia = await stockHelia()
    stops.push(() => helia.stop())
    await helia.libp2p.dial(ours.network.libp2p.getMultiaddrs()[0]!)

    // ours → stock: 3 MiB in 12 blocks + root, read by Helia's exporter through a Bitswap session
    const mine = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17))
    const { cid: mineCid } = await ours.addBytes(mine)
    const session = helia.blockstore.createSession(mineCid, {
      providers: [ours.network.peerId.toCID()],
      signal: AbortSignal.timeout(30_000),
    })
    expect(sha(await readUnixfs(session, mineCid))).toBe(sha(mine))

    // stock → ours: Helia imports with the stock importer; our node cats it over Bitswap
    const theirs = new Uint8Array(randomBytes(2 * 1024 * 1024 + 5))
    let theirCid: CID | undefined
    for await (const entry of importer([{ content: theirs }], helia.blockstore, importerOptions(ours.config, {})))
      theirCid = entry.cid as CID
    const parts: Uint8Array[] = []
    for await (const chunk of ours.cat(theirCid!, { signal: AbortSignal.timeout(30_000) })) parts.push(chunk)
    expect(sha(new Uint8Array(Buffer.concat(parts)))).toBe(sha(theirs))
    expect((await ours.repoVerify()).problems).toEqual([])
    expect(formatCid(theirCid!)).toMatch(/^Qm/)
  })
})

describe('DHT interop with stock @libp2p/kad-dht', () => {
  const stops: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
    stops.length = 0
  })

  it('a stock kad-dht node finds our provider records, and we find its', async () => {
    const t = await tempDir()
    stops.push(t.cleanup)
    const ours = await ourNode(t.dir, 'ours')
    stops.push(() => ours.stop())
    const stock = await createLibp2p({
      ...STOCK_LOCAL,
      services: {
        identify: identify(),
        ping: ping(),
        dht: kadDHT({ protocol: '/ipfs/kad/1.0.0', clientMode: false, peerInfoMapper: passthroughMapper }),
      },
    })
    stops.push(async () => stock.stop())
    await stock.dial(ours.network.libp2p.getMultiaddrs()[0]!)
    const deadline = Date.now() + 10_000
    while (
      Date.now() < deadline &&
      // the routing table is not part of KadDHT's interface, only of its implementation
      ((stock.services.dht as unknown as { routingTable: { size: number } }).routingTable.size === 0 ||
        ours.network.libp2p.getPeers().length === 0)
    ) {
      await new Promise((r) => setTimeout(r, 25))
    }

    const { cid } = await ours.addBytes(new TextEncoder().encode('provided by ipfrs')) // auto-provides
    await ours.whenProvided()
    const found: string[] = []
    for await (const p of stock.contentRouting.findProviders(cid, { signal: AbortSignal.timeout(10_000) })) {
      found.push(p.id.toString())
      break
    }
    expect(found).toEqual([ours.peerId])

    const { cid: theirs } = await ours.addBytes(new TextEncoder().encode('provided by stock'), { onlyHash: true })
    await stock.contentRouting.provide(theirs, { signal: AbortSignal.timeout(10_000) })
    const foundByUs: string[] = []
    for await (const p of ours.findProviders(theirs, { signal: AbortSignal.timeout(10_000) })) {
      foundByUs.push(p.id.toString())
      break
    }
    expect(foundByUs).toEqual([stock.peerId.toString()])
  })
})
