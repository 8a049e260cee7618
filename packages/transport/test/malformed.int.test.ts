import { Network } from '@ipfrs/network'
import { localNetwork, waitFor } from '@ipfrs/test-utils'
import type { Connection, Stream } from '@libp2p/interface'
import { MemoryBlockstore } from 'blockstore-core/memory'
import type { CID } from 'multiformats/cid'
import { afterEach, describe, expect, it } from 'vitest'
import {
  encodeFrame,
  encodeManifest,
  type Frame,
  FrameType,
  MAX_CREDIT,
  NoProvidersError,
  readBlock,
  TENSORSWAP_PROTOCOL,
  type TensorManifest,
  TensorSwap,
} from '../src/index.js'
import { connect, countPresent, makeContent, rawPeer } from './helpers.js'

const CHUNK = 4096
const CHUNKS = 12

let networks: Network[] = []
afterEach(async () => {
  await Promise.all(networks.map((n) => n.stop().catch(() => undefined)))
  networks = []
})

async function net(): Promise<Network> {
  const n = await localNetwork(Network)
  networks.push(n)
  return n
}

/** What an evil server sends after reading the client's REQUEST. */
type Script = (ctx: {
  send(frame: Frame): Promise<unknown>
  raw(bytes: Uint8Array): void
  request: Extract<Frame, { type: 0x01 }>
  manifest: TensorManifest
  manifestBytes: Uint8Array
  chunk(i: number): Promise<Uint8Array>
  header(over?: Partial<Extract<Frame, { type: 0x11 }>>): Extract<Frame, { type: 0x11 }>
}) => Promise<void>

/** A client fetching from a hand-written server running `script`; returns the provider's error and the client. */
async function againstEvilServer(script: Script, credit = 4, clientStore = new MemoryBlockstore()) {
  const origin = new MemoryBlockstore()
  const { cid, manifest } = await makeContent(origin, CHUNK, CHUNKS)
  const manifestBytes = await readBlock(origin, cid)
  const evil = await net()
  await evil.libp2p.handle(TENSORSWAP_PROTOCOL, async (stream: Stream, connection: Connection) => {
    const peer = rawPeer(stream, connection)
    const request = await peer.reader.next()
    if (request?.type !== FrameType.REQUEST) return
    await script({
      send: (f) => peer.send(f),
      raw: (b) => peer.sendRaw(b),
      request,
      manifest,
      manifestBytes,
      chunk: (i) => readBlock(origin, manifest.chunks[i] as never),
      header: (over = {}) => ({
        type: FrameType.HEADER,
        cid,
        dtype: manifest.dtype,
        shape: [...manifest.shape],
        strides: [...manifest.strides],
        byteLength: manifest.byteLength,
        chunkSize: manifest.chunkSize,
        chunkCount: manifest.chunks.length,
        ...over,
      }),
    }).catch(() => undefined)
    // keep reading until the client drops us
    while (await peer.reader.next().catch(() => undefined)) {}
  })
  const client = await localNetwork(Network, { blockstore: clientStore })
  networks.push(client)
  const swap = new TensorSwap({ network: client, blockstore: clientStore, serve: false })
  const peer = await connect(client, evil)
  const connections = client.libp2p.getConnections(peer)
  const err = await swap.fetch(cid, { providers: [peer], credit }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(NoProvidersError)
  const inner = (err as NoProvidersError).errors[0] as { code?: string }
  // dropped: the client closed its connection to the evil peer
  await waitFor(() => connections.every((c) => c.status !== 'open'))
  return { code: inner.code, clientStore, manifest, cid }
}

/**
 * A store whose writes take long enough that the client cannot have consumed a chunk (and granted more credit) before
 * the rest of a burst arrives, however the transport splits it: without it a fast client could return credit between
 * two pieces of the burst, and the burst would be legitimate.
 */
class SlowBlockstore extends MemoryBlockstore {
  override async put(...args: Parameters<MemoryBlockstore['put']>): Promise<CID> {
    // 5 s: far longer than any pause between two pieces of one burst, even on a loaded 2-core machine (at 500 ms the
    // test failed once under a load average of 20: the client stored a chunk and granted credit mid-burst)
    await new Promise((resolve) => setTimeout(resolve, 5_000))
    return super.put(...args)
  }
}

/** Sends the manifest (when asked) and a correct header. */
async function handshake(ctx: Parameters<Script>[0]): Promise<void> {
  if ((ctx.request.flags & 1) !== 0) await ctx.send({ type: FrameType.MANIFEST, bytes: ctx.manifestBytes })
  await ctx.send(ctx.header())
}

describe('malformed TensorSwap servers are dropped with typed errors, nothing unverified stored', () => {
  it('a manifest that does not hash to the CID → ERR_BLOCK_HASH_MISMATCH', async () => {
    const { code, clientStore, cid } = await againstEvilServer(async (ctx) => {
      const other = encodeManifest({ ...ctx.manifest, name: 'forged' })
      await ctx.send({ type: FrameType.MANIFEST, bytes: other.bytes })
      await ctx.send(ctx.header())
    })
    expect(code).toBe('ERR_BLOCK_HASH_MISMATCH')
    expect(await clientStore.has(cid)).toBe(false) // the forged manifest is not stored
  })

  it('a header that lies about the lengths → ERR_TENSORSWAP_PROTOCOL', async () => {
    const { code } = await againstEvilServer(async (ctx) => {
      await ctx.send({ type: FrameType.MANIFEST, bytes: ctx.manifestBytes })
      await ctx.send(ctx.header({ byteLength: ctx.manifest.byteLength * 2, chunkCount: CHUNKS * 2 }))
    })
    expect(code).toBe('ERR_TENSORSWAP_PROTOCOL')
  })

  it('a malformed header frame (truncated fields) → ERR_TENSORSWAP_PROTOCOL', async () => {
    const { code } = await againstEvilServer(async (ctx) => {
      await ctx.send({ type: FrameType.MANIFEST, bytes: ctx.manifestBytes })
      ctx.raw(new Uint8Array([4, FrameType.HEADER, 0x20, 1, 2])) // a CID field of 32 bytes with 2 present
    })
    expect(code).toBe('ERR_TENSORSWAP_PROTOCOL')
  })

  it('an oversized frame → ERR_FRAME_TOO_LARGE (refused from its length prefix alone)', async () => {
    const { code } = await againstEvilServer(async (ctx) => {
      await handshake(ctx)
      ctx.raw(new Uint8Array([0x80, 0x80, 0x80, 0x10])) // declares 32 MiB, far above chunkSize + overhead
    })
    expect(code).toBe('ERR_FRAME_TOO_LARGE')
  })

  it('a chunk nobody asked for → ERR_UNSOLICITED_CHUNK', async () => {
    const { code, clientStore, manifest } = await againstEvilServer(async (ctx) => {
      await handshake(ctx)
      // with a credit of 4 the client wants chunks 0..7 first: the last chunk was not asked for (yet)
      await ctx.send({ type: FrameType.CHUNK, index: CHUNKS - 1, bytes: await ctx.chunk(CHUNKS - 1) })
    })
    expect(code).toBe('ERR_UNSOLICITED_CHUNK')
    expect(await countPresent(clientStore, manifest)).toBe(0)
  })

  it('chunk bytes that do not hash to the chunk CID → ERR_BLOCK_HASH_MISMATCH, never stored', async () => {
    const { code, clientStore, manifest } = await againstEvilServer(async (ctx) => {
      await handshake(ctx)
      const bytes = new Uint8Array(await ctx.chunk(0))
      bytes[100] = (bytes[100] ?? 0) ^ 0xff
      await ctx.send({ type: FrameType.CHUNK, index: 0, bytes })
    })
    expect(code).toBe('ERR_BLOCK_HASH_MISMATCH')
    expect(await countPresent(clientStore, manifest)).toBe(0)
  })

  it('a chunk of the wrong length → ERR_TENSORSWAP_PROTOCOL', async () => {
    const { code, clientStore, manifest } = await againstEvilServer(async (ctx) => {
      await handshake(ctx)
      await ctx.send({ type: FrameType.CHUNK, index: 0, bytes: (await ctx.chunk(0)).subarray(0, 100) })
    })
    expect(code).toBe('ERR_TENSORSWAP_PROTOCOL')
    expect(await countPresent(clientStore, manifest)).toBe(0)
  })

  it('chunks beyond the granted credit → ERR_CREDIT_EXCEEDED', async () => {
    const { code } = await againstEvilServer(
      async (ctx) => {
        await handshake(ctx)
        // a burst of chunks ignoring the credit of 1: caught as the bytes arrive, before any is consumed
        const frames: Uint8Array[] = []
        for (let i = 0; i < CHUNKS; i++)
          frames.push(...encodeFrame({ type: FrameType.CHUNK, index: i, bytes: await ctx.chunk(i) }))
        ctx.raw(new Uint8Array(Buffer.concat(frames)))
      },
      1,
      new SlowBlockstore(),
    )
    expect(code).toBe('ERR_CREDIT_EXCEEDED')
  })

  it('an unknown frame type → ERR_TENSORSWAP_PROTOCOL', async () => {
    const { code } = await againstEvilServer(async (ctx) => {
      await handshake(ctx)
      ctx.raw(new Uint8Array([2, 0x7e, 0]))
    })
    expect(code).toBe('ERR_TENSORSWAP_PROTOCOL')
  })
})

describe('malformed TensorSwap clients are dropped by the server', () => {
  const cases: Array<[string, string, (send: (f: Frame) => Promise<unknown>, raw: (b: Uint8Array) => void) => void]> = [
    ['a first frame that is not a REQUEST', 'ERR_TENSORSWAP_PROTOCOL', (send) => void send({ type: 0x04, credit: 1 })],
    ['an oversized frame', 'ERR_FRAME_TOO_LARGE', (_s, raw) => raw(new Uint8Array([0x80, 0x80, 0x80, 0x40]))],
    ['garbage bytes', 'ERR_TENSORSWAP_PROTOCOL', (_s, raw) => raw(new Uint8Array([3, 0xff, 0xff, 0xff]))],
  ]
  for (const [what, wanted, act] of cases) {
    it(`${what} → ${wanted}`, async () => {
      const blockstore = new MemoryBlockstore()
      const server = await localNetwork(Network, { blockstore })
      networks.push(server)
      const swap = new TensorSwap({ network: server, blockstore })
      await swap.start()
      const client = await net()
      const serverId = await connect(client, server)
      const connections = client.libp2p.getConnections(serverId)
      const stream = await client.libp2p.dialProtocol(serverId, TENSORSWAP_PROTOCOL)
      const peer = rawPeer(stream, undefined as never)
      act(peer.send, peer.sendRaw)
      await waitFor(() => (swap.serverStats?.violations ?? 0) > 0)
      expect(swap.serverStats?.lastViolation).toBe(wanted)
      await waitFor(() => connections.every((c) => c.status !== 'open')) // the server closed the connection
      await swap.stop()
    })
  }

  it('wants out of range, and credit above the maximum, are violations too', async () => {
    const blockstore = new MemoryBlockstore()
    const { cid } = await makeContent(blockstore, CHUNK, CHUNKS)
    const server = await localNetwork(Network, { blockstore })
    networks.push(server)
    const swap = new TensorSwap({ network: server, blockstore })
    await swap.start()
    for (const [request, more] of [
      [{ credit: 1, wants: [CHUNKS + 5] }, undefined],
      [
        { credit: 1, wants: [0] },
        { type: FrameType.CREDIT, credit: MAX_CREDIT },
      ],
    ] as const) {
      const before = swap.serverStats?.violations ?? 0
      const client = await net()
      const serverId = await connect(client, server)
      const connections = client.libp2p.getConnections(serverId)
      const stream = await client.libp2p.dialProtocol(serverId, TENSORSWAP_PROTOCOL)
      const peer = rawPeer(stream, undefined as never)
      await peer.send({ type: FrameType.REQUEST, cid, flags: 0, ...request, wants: [...request.wants] })
      if (more !== undefined) await peer.send(more as Frame)
      await waitFor(() => (swap.serverStats?.violations ?? 0) > before)
      expect(swap.serverStats?.lastViolation).toBe('ERR_TENSORSWAP_PROTOCOL')
      await waitFor(() => connections.every((c) => c.status !== 'open'))
    }
    await swap.stop()
  })
})
