// The quick-start demo: four IPFRS nodes on 127.0.0.1 (real repos, real sockets, no public network).
// B is the bootstrap node; A, C and E know only B. A adds a file (Kubo-identical CID, zstd at rest) and provides it;
// E finds A through the Kademlia DHT, fetches the file over Bitswap, and checks it byte for byte.
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatCid } from '@ipfrs/core'
import { createNode } from 'ipfrs'

const MiB = 1024 * 1024
const SIZE = 20 * MiB
const step = (msg) => console.log(`• ${msg}`)

async function* generated(size) {
  const period = new Uint8Array(251 + MiB)
  for (let j = 0; j < period.length; j++) period[j] = (j * 31 + 7) % 251
  for (let off = 0; off < size; off += MiB) yield period.slice(off % 251, (off % 251) + Math.min(MiB, size - off))
}

async function sha256(source) {
  const h = createHash('sha256')
  for await (const chunk of source) h.update(chunk)
  return h.digest('hex')
}

function node(dir, name, bootstrap, extra = {}) {
  return createNode({
    repoPath: join(dir, name),
    online: true,
    init: {
      config: {
        Addresses: {
          Swarm: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/udp/0/quic-v1'],
          Announce: [],
          API: '/ip4/127.0.0.1/tcp/5001',
          Gateway: '/ip4/127.0.0.1/tcp/8080',
        },
        Bootstrap: bootstrap,
        ...extra,
      },
    },
  })
}

const dir = await mkdtemp(join(tmpdir(), 'ipfrs-demo-'))
const nodes = []
try {
  const b = node(dir, 'b', [])
  await b.start()
  nodes.push(b)
  const bootstrap = b.network.addresses().filter((a) => a.includes('/tcp/'))
  step(`bootstrap node B ${b.peerId} listening on ${b.network.addresses().join(', ')}`)
  const [a, c, e] = ['a', 'c', 'e'].map((n) =>
    node(dir, n, bootstrap, n === 'a' ? { Compression: { Algorithm: 'zstd' } } : {}),
  )
  for (const n of [a, c, e]) {
    await n.start()
    nodes.push(n)
  }
  for (let waited = 0; [a, c, e].some((n) => n.network.peers().length === 0) && waited < 10_000; waited += 50) {
    await new Promise((r) => setTimeout(r, 50))
  }
  step(
    `A ${a.peerId}, C ${c.peerId}, E ${e.peerId} joined through B; E is connected to: ${e.network
      .peers()
      .map((p) => p.peer.slice(-6))
      .join(', ')}`,
  )

  const hello = await a.addBytes(new TextEncoder().encode('hello\n'))
  step(`A adds "hello\\n" → ${formatCid(hello.cid)} (Kubo: QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN)`)
  let t = performance.now()
  const file = await a.addFile(generated(SIZE))
  await a.whenProvided()
  step(
    `A adds a 20 MiB file → ${formatCid(file.cid)} and provides it to the DHT (${((performance.now() - t) / 1000).toFixed(2)} s)`,
  )

  t = performance.now()
  let found
  for await (const p of e.network.findProviders(file.cid, { signal: AbortSignal.timeout(30_000) })) {
    found = p
    if (p.id.toString() === a.peerId) break
  }
  step(
    `E asks the DHT who has it → ${found?.id.toString() === a.peerId ? 'A' : found?.id.toString()} at ${found?.multiaddrs[0]} (${(performance.now() - t).toFixed(0)} ms)`,
  )

  t = performance.now()
  const got = await sha256(e.cat(file.cid))
  const seconds = (performance.now() - t) / 1000
  const want = await sha256(generated(SIZE))
  step(
    `E fetches it over Bitswap: ${(SIZE / MiB / seconds).toFixed(0)} MiB/s, ${got === want ? 'bytes identical' : 'BYTES DIFFER'}`,
  )
  const verify = await e.repoVerify()
  step(`E verifies its repo: ${verify.checked} blocks re-hashed, ${verify.problems.length} corrupt`)
  const ok =
    got === want &&
    verify.problems.length === 0 &&
    found?.id.toString() === a.peerId &&
    formatCid(hello.cid) === 'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN'
  console.log(ok ? 'demo ok' : 'demo FAILED')
  if (!ok) process.exitCode = 1
} finally {
  await Promise.allSettled(nodes.map((n) => n.stop()))
  await rm(dir, { recursive: true, force: true })
}
