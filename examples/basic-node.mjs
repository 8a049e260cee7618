// basic-node.mjs: the whole node from `ipfrs`.
// createNode() in a fresh temp repo, add a file, cat it back, pin it, list the pins, stop.
// Offline (no network is started); the temp repo is removed at the end.
// Run: node examples/basic-node.mjs   (after `pnpm build`)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode } from 'ipfrs'

const repoPath = mkdtempSync(join(tmpdir(), 'ipfrs-basic-'))
const node = createNode({ repoPath, init: true })
await node.start()
try {
  const { cid } = await node.addBytes(new TextEncoder().encode('hello\n'), { pin: false })
  console.log('added', cid.toString()) // QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN, as `ipfs add`

  const chunks = []
  for await (const chunk of node.cat(cid)) chunks.push(chunk)
  console.log('cat', JSON.stringify(Buffer.concat(chunks).toString()))

  await node.pin.add(cid)
  for await (const pin of node.pin.ls()) console.log('pinned', pin.cid.toString(), pin.type)
} finally {
  await node.stop()
  rmSync(repoPath, { recursive: true, force: true })
}
console.log('stopped')
