// A child process for the gateway benchmark. `node gateway-server.ts daemon <dir>`: an IPFRS node + daemon on free
// 127.0.0.1 ports, with a 1 KiB and a 1 MiB file added; `node gateway-server.ts plain`: a bare node:http server
// serving the same bytes from memory (the ceiling for any gateway written on Node). Prints one JSON line with the
// URLs to fetch, then runs until killed.
import { randomFillSync } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { localConfig } from '@ipfrs/core'
import { Daemon } from '@ipfrs/interface'
import { createNode } from 'ipfrs'

const KiB = 1024
const small = randomFillSync(Buffer.alloc(KiB))
const large = randomFillSync(Buffer.alloc(1024 * KiB))

const [mode, dir] = process.argv.slice(2)
if (mode === 'plain') {
  const server = createServer((req, res) => {
    const body = req.url === '/small' ? small : large
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length })
    res.end(body)
  })
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo
    console.log(JSON.stringify({ small: `http://127.0.0.1:${port}/small`, large: `http://127.0.0.1:${port}/large` }))
  })
} else {
  const node = createNode({
    repoPath: join(dir ?? '.', 'repo'),
    init: {
      config: localConfig({ transports: ['tcp'] }) as never,
    },
    online: true,
  })
  await node.start()
  // CIDv1 with raw leaves: the 1 KiB file is one raw block, the 1 MiB file four 256 KiB raw leaves under a dag-pb root
  const s = await node.addBytes(small, { cidVersion: 1 })
  const l = await node.addBytes(large, { cidVersion: 1 })
  const daemon = await Daemon.start({ node })
  console.log(
    JSON.stringify({ small: `${daemon.gatewayUrl}/ipfs/${s.cid}`, large: `${daemon.gatewayUrl}/ipfs/${l.cid}` }),
  )
}
