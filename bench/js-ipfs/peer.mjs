// One js-ipfs 0.66 node on 127.0.0.1 for bench/js-ipfs.ts, in its own process (its libp2p 0.42 stack cannot share
// one with ours). Noise + Yamux (js-ipfs offers only mplex unless given yamux), no bootstrap, MDNS, preload or NAT.
//   node peer.mjs serve <repo> <file>        adds <file> (Kubo's settings), prints {"cid","addr"}, serves until stdin ends
//   node peer.mjs fetch <repo> <addr> <cid>  dials <addr>, cats <cid>, prints {"seconds","firstChunkMs","bytes","sha256"}
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { yamux } from '@chainsafe/libp2p-yamux'
import { create } from 'ipfs'

const [mode, repo, a, b] = process.argv.slice(2)

const ipfs = await create({
  repo,
  preload: { enabled: false },
  libp2p: { streamMuxers: [yamux()] },
  config: {
    Addresses: { Swarm: ['/ip4/127.0.0.1/tcp/0'], API: [], Gateway: [], Delegates: [] },
    Bootstrap: [],
    Discovery: { MDNS: { Enabled: false }, webRTCStar: { Enabled: false } },
    Routing: { Type: 'dhtserver' },
    Swarm: { DisableNatPortMap: true },
  },
})
// js-ipfs prints its own lines on stdout (key generation, "Swarm listening on ..."): ours start with RESULT
const print = (o) => process.stdout.write(`RESULT ${JSON.stringify(o)}\n`)

if (mode === 'serve') {
  // js-ipfs's defaults are Kubo's: CIDv0, 256 KiB chunks, dag-pb leaves, 174 links
  const { cid } = await ipfs.add(createReadStream(a), { pin: true })
  const addr = (await ipfs.id()).addresses.map(String).find((x) => x.includes('/tcp/'))
  print({ cid: cid.toString(), addr })
  process.stdin.resume()
  await new Promise((resolve) => process.stdin.once('end', resolve))
} else if (mode === 'fetch') {
  const { multiaddr } = await import('@multiformats/multiaddr')
  await ipfs.swarm.connect(multiaddr(a))
  // js-ipfs's Bitswap sends a want list only to peers that identify has shown to speak Bitswap, and otherwise waits for
  // its next rebroadcast (first chunks took 15 s): give identify time to finish before the timed read
  await new Promise((resolve) => setTimeout(resolve, 3000))
  const hash = createHash('sha256')
  const start = performance.now()
  let firstChunkMs = Number.NaN
  let bytes = 0
  for await (const chunk of ipfs.cat(b)) {
    if (bytes === 0) firstChunkMs = performance.now() - start
    bytes += chunk.byteLength
    hash.update(chunk)
  }
  print({ seconds: (performance.now() - start) / 1000, firstChunkMs, bytes, sha256: hash.digest('hex') })
} else {
  throw new Error(`unknown mode ${mode}`)
}
await ipfs.stop()
process.exit(0)
