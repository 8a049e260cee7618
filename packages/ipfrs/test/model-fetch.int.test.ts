import { writeFile } from 'node:fs/promises'
import { createServer, type Server, Socket } from 'node:net'
import { join } from 'node:path'
import { bytesOf, collect, safetensorsFile, tempDir } from '@ipfrs/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Node } from '../src/index.js'
import type { TensorAddResult } from '../src/tensor-layer.js'
import { linkTensorSwap, onlineNode as online } from './helpers.js'

const LEAF = 256 * 1024

const onlineNode = (dir: string, name: string) =>
  online(join(dir, name), { config: { Routing: { FetchTimeoutSeconds: 20 } } }) // a loaded CI machine is slow

/** A TCP relay on 127.0.0.1 in front of `port` that counts the bytes it carries back to the dialler (the wire bytes). */
async function countingRelay(port: number): Promise<{ server: Server; port: number; received: () => number }> {
  let received = 0
  const server = createServer((inbound) => {
    const outbound = new Socket()
    outbound.connect(port, '127.0.0.1')
    outbound.on('data', (d: Buffer) => {
      received += d.byteLength
      inbound.write(d)
    })
    inbound.on('data', (d: Buffer) => outbound.write(d))
    inbound.on('close', () => outbound.destroy())
    outbound.on('close', () => inbound.destroy())
    inbound.on('error', () => outbound.destroy())
    outbound.on('error', () => inbound.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('relay has no port')
  return { server, port: address.port, received: () => received }
}

const link = linkTensorSwap

/** Deterministic tensor bytes of `n` float32s. */
const floats = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.01 + seed))

describe('a model fetched by its file CID between two nodes on 127.0.0.1', () => {
  let a: Node // has the model
  let b: Node // fetches through a counting relay
  let c: Node // reaches only b, over Bitswap
  let relay: Awaited<ReturnType<typeof countingRelay>>
  let cleanup: () => Promise<void>
  let file: Uint8Array
  let dir: string
  let root: TensorAddResult
  const tensors = { embed: floats(300_000, 1), 'layer.0': floats(500_000, 2), head: floats(200_000, 3) }

  beforeAll(async () => {
    const t = await tempDir()
    dir = t.dir
    a = await onlineNode(t.dir, 'a')
    b = await onlineNode(t.dir, 'b')
    c = await onlineNode(t.dir, 'c')
    file = safetensorsFile(
      Object.entries(tensors).map(([name, w]) => ({ name, dtype: 'F32', shape: [w.length], data: bytesOf(w) })),
    )
    const path = join(t.dir, 'model.safetensors')
    await writeFile(path, file)
    const results: TensorAddResult[] = []
    for await (const r of a.addPath(path)) results.push(r)
    root = results.at(-1) as TensorAddResult
    const tcp = (a.network.addresses().find((x) => x.includes('/tcp/')) as string).split('/')
    relay = await countingRelay(Number(tcp[tcp.indexOf('tcp') + 1]))
    await link(b, a, `/ip4/127.0.0.1/tcp/${relay.port}/p2p/${a.peerId}`)
    cleanup = async () => {
      await Promise.allSettled([a.stop(), b.stop(), c.stop()])
      relay.server.close()
      await t.cleanup()
    }
  })
  afterAll(async () => cleanup?.())

  it('tensor ls moves only the header leaf and the DAG root; get --name only the tensor leaves', async () => {
    const start = relay.received()
    const list = await b.tensor.listModel(root.cid)
    expect(list.map((t) => t.name)).toEqual(['embed', 'layer.0', 'head'])
    const lsBytes = relay.received() - start
    expect(lsBytes).toBeLessThan(LEAF + 64 * 1024)

    const t = list[1]
    const before = relay.received()
    const got = await b.tensor.getBytes(root.cid, { name: 'layer.0' })
    expect(Buffer.from(got).equals(Buffer.from(bytesOf(tensors['layer.0'])))).toBe(true)
    const moved = relay.received() - before
    console.log(
      `one-tensor fetch: ${moved} wire bytes for a ${t?.manifest.byteLength}-byte tensor (${file.byteLength}-byte file)`,
    )
    // the tensor's own bytes, at most two partial leaves at its ends, a little protocol framing
    expect(moved).toBeLessThanOrEqual((t?.manifest.byteLength ?? 0) + 2 * LEAF + 64 * 1024)
    expect(moved).toBeLessThan(file.byteLength * 0.75)
  })

  it('fetch --name goes over TensorSwap; a whole fetch resumes, and the file is then catable and servable', async () => {
    const one = await b.tensor.fetch(root.cid, { name: 'head' })
    expect(one.viaBitswap).toBe(0)
    expect(one.viaTensorSwap).toBeGreaterThan(0)
    const whole = await b.tensor.fetch(root.cid)
    expect(whole.alreadyHad).toBeGreaterThan(0) // the header's and the earlier tensors' leaves
    expect(whole.viaTensorSwap).toBe(whole.chunks - whole.alreadyHad)
    expect(whole.viaBitswap).toBe(0)
    expect(Buffer.from(await collect(b.cat(root.cid))).equals(Buffer.from(file))).toBe(true)
    const pins: string[] = []
    for await (const p of b.pin.ls()) pins.push(p.cid.toString())
    expect(pins).toContain(root.cid.toString())
    // c knows only b and fetches over plain Bitswap: b serves the same blocks TensorSwap brought, no second copy
    await c.network.connect(b.network.addresses()[0] as string)
    expect(Buffer.from(await collect(c.cat(root.cid))).equals(Buffer.from(file))).toBe(true)
  })

  it('falls back to Bitswap for a tensor when the provider does not speak TensorSwap', async () => {
    const d = await onlineNode(dir, 'd') // has nothing of the model
    await b.tensor.stop() // b keeps its blocks and Bitswap, but no longer serves TensorSwap
    try {
      await d.network.connect(b.network.addresses()[0] as string)
      const r = await d.tensor.fetch(root.cid, { name: 'embed', providers: [b.peerId] })
      expect(r.viaTensorSwap).toBe(0)
      expect(r.viaBitswap).toBeGreaterThan(0)
      const w = await d.tensor.load(root.cid, 'embed')
      expect(Buffer.from(bytesOf(w.data as Float32Array)).equals(Buffer.from(bytesOf(tensors.embed)))).toBe(true)
    } finally {
      await b.tensor.start()
      await d.stop()
    }
  })
})
