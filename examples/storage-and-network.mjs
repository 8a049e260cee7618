// storage-and-network.mjs: a custom node composed from two parts only, @ipfrs/storage and @ipfrs/network.
// Two nodes, each a Repo (on disk, in a temp dir) plus a Network over that repo's blockstore, listening on
// 127.0.0.1 with no bootstrap peers. A stores a block; B dials A and fetches the block over Bitswap.
// No semantic index, no tensors, no logic, nothing leaves the machine; the temp dirs are removed at the end.
// Run: node examples/storage-and-network.mjs   (after `pnpm build`)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeBlock, formatCid } from '@ipfrs/core'
import { Network } from '@ipfrs/network'
import { Repo } from '@ipfrs/storage'

/** One node: an initialized repo, opened, with a started Network on top of it. */
async function startNode(name) {
  const dir = mkdtempSync(join(tmpdir(), `ipfrs-${name}-`))
  await Repo.init(dir, { config: { Addresses: { Swarm: ['/ip4/127.0.0.1/tcp/0'] }, Bootstrap: [] } })
  const repo = await Repo.open(dir)
  const network = Network.create({
    config: repo.config,
    privateKey: repo.identity.privateKey,
    blockstore: repo.blockstore,
    datastore: repo.datastore,
  })
  await network.start()
  return {
    repo,
    network,
    async stop() {
      await network.stop()
      await repo.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const a = await startNode('a')
const b = await startNode('b')
try {
  const block = encodeBlock({ message: 'hello from A', at: 'storage + network only' }, 'dag-cbor')
  await a.repo.blockstore.put(block.cid, block.bytes)
  console.log('A stored', formatCid(block.cid))
  console.log('B has it before fetching:', await b.repo.blockstore.has(block.cid))

  const address = a.network.addresses()[0]
  if (address == null) throw new Error('A has no listen address')
  await b.network.connect(address)
  console.log('B connected to A:', b.network.peers().length, 'peer')

  // a Bitswap session reads local blocks first, then asks connected peers
  for await (const bytes of b.network.session(block.cid).get(block.cid)) {
    console.log('B fetched', bytes.length, 'bytes over Bitswap; same bytes:', Buffer.compare(bytes, block.bytes) === 0)
  }
} finally {
  await b.stop()
  await a.stop()
}
console.log('stopped')
