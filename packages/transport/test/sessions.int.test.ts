import { Network } from '@ipfrs/network'
import { localNetwork, waitFor } from '@ipfrs/test-utils'
import type { Connection, Stream } from '@libp2p/interface'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { afterEach, describe, expect, it } from 'vitest'
import {
  assembleChunks,
  decodeManifest,
  FrameType,
  NoProvidersError,
  ProviderSession,
  readBlock,
  type SessionSink,
  TENSORSWAP_PROTOCOL,
} from '../src/index.js'
import { connect, makeContent, rawPeer, swapNodes } from './helpers.js'

const nodes = swapNodes()
const node = nodes.node
afterEach(() => nodes.stopAll())

describe('a provider session with work stolen back and forth', () => {
  // The scheduler cancels a chunk on one session when another takes it over, and may ask the first session for it
  // again later (it steals back, or the other provider failed). An honest provider that had already sent the chunk
  // when each cancel reached it sends it once per want: the session must accept every copy. It used to remember one
  // cancelled copy only, took the second for an unsolicited chunk, and dropped the provider as misbehaving; with every
  // provider of a fetch dropped that way the fetch failed with ERR_TENSORSWAP_NO_PROVIDERS.
  it('accepts a chunk sent once per want after want, cancel, want, cancel (a real server, in this order)', async () => {
    const server = await node()
    const { cid, manifest } = await makeContent(server.blockstore, 16 * 1024, 4)
    const client = await node()
    const peer = await connect(client.network, server.network)
    const known = decodeManifest(await readBlock(server.blockstore, cid), cid)
    const session = new ProviderSession({
      libp2p: client.network.libp2p,
      target: peer,
      cid,
      manifest: known,
      credit: 4,
    })
    const sent = () => server.swap.serverStats?.chunksSent ?? 0

    await session.open([2]) // the server sends chunk 2 at once
    await waitFor(() => sent() === 1, { what: 'the first copy of chunk 2 sent' })
    session.cancel([2]) // too late: it is on its way
    session.want([2]) // asked again: the server sends it again
    await waitFor(() => sent() === 2, { what: 'the second copy of chunk 2 sent' })
    session.cancel([2]) // too late again

    const delivered: number[] = []
    const sink: SessionSink = {
      deliver: async (_s, index) => {
        delivered.push(index)
      },
      dontHave: () => undefined,
    }
    const running = session.run(sink).then(
      () => undefined,
      (err: unknown) => err,
    )
    await waitFor(() => delivered.length === 2 || session.error !== undefined, { what: 'both copies read' })
    expect(session.error).toBeUndefined()
    expect(delivered).toEqual([2, 2])
    await session.finish()
    expect(await running).toBeUndefined()
    expect(client.network.libp2p.getConnections(peer).some((c) => c.status === 'open')).toBe(true)
    expect(server.swap.serverStats?.violations).toBe(0)
    expect(manifest.chunks.length).toBe(4)
  })
})

describe('providers whose streams end early', () => {
  /**
   * A hand-written provider that serves honestly but ends streams early with a clean close (as one restarting its
   * handler or limiting its streams would): its first stream right after the REQUEST (before the HEADER), each later
   * one after `perStream` chunks. Its connection stays up.
   */
  async function earlyCloser(perStream: number) {
    const origin = new MemoryBlockstore()
    const content = await makeContent(origin, 8 * 1024, 24)
    const network = await localNetwork(Network)
    nodes.track(network)
    const m = content.manifest
    let streams = 0
    await network.libp2p.handle(TENSORSWAP_PROTOCOL, async (stream: Stream, connection: Connection) => {
      const first = streams++ === 0
      const peer = rawPeer(stream, connection)
      const request = await peer.reader.next()
      if (request?.type !== FrameType.REQUEST || first) {
        await stream.close()
        return
      }
      const header = { dtype: m.dtype, shape: [...m.shape], strides: [...m.strides], byteLength: m.byteLength }
      await peer.send({
        type: FrameType.HEADER,
        cid: content.cid,
        ...header,
        chunkSize: m.chunkSize,
        chunkCount: m.chunks.length,
      })
      const wanted = [...request.wants]
      let credit = request.credit
      for (let sent = 0; sent < perStream; ) {
        if (wanted.length > 0 && credit > 0) {
          const index = wanted.shift() as number
          await peer.send({ type: FrameType.CHUNK, index, bytes: await readBlock(origin, m.chunks[index] as never) })
          credit--
          sent++
          continue
        }
        const f = await peer.reader.next()
        if (f === undefined) break
        if (f.type === FrameType.WANT) wanted.push(...f.indexes)
        else if (f.type === FrameType.CREDIT) credit += f.credit
        else if (f.type === FrameType.CANCEL)
          for (const i of f.indexes) if (wanted.includes(i)) wanted.splice(wanted.indexOf(i), 1)
      }
      await stream.close()
    })
    return { network, streams: () => streams, ...content }
  }

  it('one that closes every stream before it is done is asked again on a new stream until all is fetched', async () => {
    const provider = await earlyCloser(5)
    const client = await node()
    const result = await client.swap.fetch(provider.cid, {
      providers: [await connect(client.network, provider.network)],
      manifest: provider.manifest, // the hand-written provider sends no MANIFEST frame
      credit: 4,
    })
    expect(result.fetched).toBe(24)
    expect(Buffer.compare(await assembleChunks(client.blockstore, provider.manifest), provider.bytes)).toBe(0)
    // 1 stream closed before its header, then 5 chunks per stream: at least 5 more
    expect(provider.streams()).toBeGreaterThanOrEqual(6)
    expect(result.providers).toHaveLength(1)
    expect(result.providers[0]?.chunks).toBe(24 + result.duplicates)
    expect(result.providers[0]?.sessions).toBe(provider.streams())
    expect(result.providers[0]?.error).toBeUndefined()
  })

  it('one whose streams never deliver a chunk is given up after 3 of them', async () => {
    const provider = await earlyCloser(0)
    const client = await node()
    const err = await client.swap
      .fetch(provider.cid, {
        providers: [await connect(client.network, provider.network)],
        manifest: provider.manifest,
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(err).toBeInstanceOf(NoProvidersError)
    expect((err as NoProvidersError).errors).toHaveLength(3)
    expect(provider.streams()).toBe(3)
  })
})
