// Our TLS encrypter (src/tls-encrypter.ts) against stock @libp2p/tls: bytes both ways through a stream, whichever side
// dials, with TLS on the TCP socket itself on our side; the connection closes on both sides whoever closes or resets
// it; a peer that is not the one dialled is refused; the upgrader's byte counter still counts the traffic.

import { randomBytes } from 'node:crypto'
import { connect, createServer } from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import type { Stream } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { tls } from '@libp2p/tls'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { lazyTls } from '../src/lazy-tls.js'
import { takeableSocket } from '../src/tls-encrypter.js'

const ECHO = '/ipfrs-test/echo/1.0.0'
const SIZE = 6 * 1024 * 1024

describe('TLS encrypter', () => {
  const stops: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    await Promise.allSettled(stops.map((s) => s()))
    stops.length = 0
  })

  interface NodeOptions {
    registry?: Registry
    /** Refuse every inbound connection once it is encrypted (as a ban does). */
    refuseInbound?: boolean
    /** The TCP transport's inactivity timeout, ms. */
    inactivityTimeout?: number
  }

  /** A TCP libp2p node on 127.0.0.1 with our encrypter or stock @libp2p/tls, echoing streams of `ECHO`. */
  const node = async (which: 'ours' | 'stock', options: NodeOptions = {}): Promise<Libp2p> => {
    const { registry, refuseInbound = false, inactivityTimeout } = options
    const n = await createLibp2p({
      privateKey: await generateKeyPair('Ed25519'),
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [
        tcp(
          inactivityTimeout
            ? { inboundSocketInactivityTimeout: inactivityTimeout, outboundSocketInactivityTimeout: inactivityTimeout }
            : {},
        ),
      ],
      connectionEncrypters: [which === 'ours' ? lazyTls() : tls()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
      connectionGater: { denyInboundEncryptedConnection: () => refuseInbound },
      ...(registry ? { metrics: prometheusMetrics({ registry, collectDefaultMetrics: false }) } : {}),
    })
    await n.handle(ECHO, (stream) => {
      stream.addEventListener('message', (evt) => {
        const chunks = evt.data instanceof Uint8Array ? [evt.data] : [...evt.data]
        for (const chunk of chunks) stream.send(chunk)
      })
      stream.addEventListener('remoteCloseWrite', () => {
        void stream.close()
      })
    })
    stops.push(async () => n.stop())
    return n
  }

  /** Sends `bytes` on a new `ECHO` stream to `to` and resolves with what came back. */
  const echo = async (from: Libp2p, to: Libp2p, bytes: Uint8Array): Promise<Buffer> => {
    const stream: Stream = await from.dialProtocol(to.getMultiaddrs()[0]!, ECHO)
    const back: Uint8Array[] = []
    let length = 0
    const done = new Promise<void>((resolve, reject) => {
      stream.addEventListener('message', (evt) => {
        const chunks = evt.data instanceof Uint8Array ? [evt.data] : [...evt.data]
        for (const chunk of chunks) {
          back.push(chunk.slice())
          length += chunk.byteLength
        }
        if (length >= bytes.byteLength) resolve()
      })
      stream.addEventListener('close', (evt) => (evt.error ? reject(evt.error) : resolve()))
    })
    for (let at = 0; at < bytes.byteLength; at += 64 * 1024) {
      if (!stream.send(bytes.subarray(at, at + 64 * 1024))) {
        await new Promise((resolve) => stream.addEventListener('drain', resolve, { once: true }))
      }
    }
    await done
    await stream.close()
    return Buffer.concat(back)
  }

  it('moves bytes both ways with stock @libp2p/tls, whichever side dials', async () => {
    const ours = await node('ours')
    const stock = await node('stock')
    const bytes = randomBytes(SIZE)
    expect((await echo(ours, stock, bytes)).equals(bytes)).toBe(true)
    expect(ours.getConnections(stock.peerId)[0]!.encryption).toBe('/tls/1.0.0')
    await ours.hangUp(stock.peerId)
    await expect.poll(() => stock.getConnections(ours.peerId).length, { timeout: 5000 }).toBe(0)
    expect((await echo(stock, ours, bytes)).equals(bytes)).toBe(true)
    expect(stock.getConnections(ours.peerId)[0]!.direction).toBe('outbound')
  })

  it('two of ours: TLS on both TCP sockets, many streams at once', async () => {
    const a = await node('ours')
    const b = await node('ours')
    const payloads = Array.from({ length: 8 }, () => randomBytes(SIZE / 8))
    const backs = await Promise.all(payloads.map((p) => echo(a, b, p)))
    for (const [i, back] of backs.entries()) expect(back.equals(payloads[i]!)).toBe(true)
  })

  it('closing or resetting the connection on one side closes it on the other', async () => {
    for (const how of ['close', 'abort'] as const) {
      const ours = await node('ours')
      const stock = await node('stock')
      await echo(stock, ours, randomBytes(1024))
      const conn = ours.getConnections(stock.peerId)[0]!
      if (how === 'close') await conn.close()
      else conn.abort(new Error('test reset'))
      await expect.poll(() => stock.getConnections(ours.peerId).length, { timeout: 5000 }).toBe(0)
      expect(ours.getConnections(stock.peerId)).toHaveLength(0)
      // and from the other side
      await echo(ours, stock, randomBytes(1024))
      await stock.getConnections(ours.peerId)[0]!.close()
      await expect.poll(() => ours.getConnections(stock.peerId).length, { timeout: 5000 }).toBe(0)
    }
  })

  // the gater's refusal resets the TCP connection under a TLS socket that holds its handle: that crashed the process
  // (a segfault in OpenSSL) until the TLS socket was made to go first
  it('a connection refused after the handshake is reset, and the node keeps serving', async () => {
    const refusing = await node('ours', { refuseInbound: true })
    for (const dialler of [await node('ours'), await node('stock')]) {
      await dialler.dial(refusing.getMultiaddrs()[0]!).catch(() => undefined)
      await expect.poll(() => dialler.getConnections(refusing.peerId).length, { timeout: 5000 }).toBe(0)
      expect(refusing.getConnections()).toHaveLength(0)
    }
    // still serving: it dials out and moves bytes
    const other = await node('stock')
    expect((await echo(refusing, other, randomBytes(64 * 1024))).byteLength).toBe(64 * 1024)
  })

  it('an idle connection times out on its TCP inactivity timer, on both sides, and the nodes keep serving', async () => {
    const ours = await node('ours', { inactivityTimeout: 400 })
    const stock = await node('stock')
    // traffic through TLS keeps the TCP socket's timer from firing meanwhile
    const bytes = randomBytes(SIZE)
    expect((await echo(ours, stock, bytes)).equals(bytes)).toBe(true)
    await expect.poll(() => ours.getConnections(stock.peerId).length, { timeout: 5000 }).toBe(0)
    await expect.poll(() => stock.getConnections(ours.peerId).length, { timeout: 5000 }).toBe(0)
    expect((await echo(stock, ours, randomBytes(1024))).byteLength).toBe(1024)
  })

  it('refuses a peer that is not the one dialled', async () => {
    const ours = await node('ours')
    const stock = await node('stock')
    const someoneElse = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const addr = stock.getMultiaddrs()[0]!.decapsulateCode(421).encapsulate(`/p2p/${someoneElse}`)
    await expect(ours.dial(multiaddr(addr.toString()))).rejects.toThrow()
    expect(ours.getConnections()).toHaveLength(0)
    // the node still connects to the right peer afterwards
    expect((await echo(ours, stock, randomBytes(1024))).byteLength).toBe(1024)
  })

  it("keeps the upgrader's byte counter counting when TLS takes the TCP socket", async () => {
    const registry = new Registry()
    const ours = await node('ours', { registry })
    const stock = await node('stock')
    const counted = async (direction: 'sent' | 'received') => {
      const metric = (await registry.getSingleMetric('libp2p_data_transfer_bytes_total')?.get())?.values ?? []
      return metric.find((v) => v.labels.protocol === `global ${direction}`)?.value ?? 0
    }
    const before = { sent: await counted('sent'), received: await counted('received') }
    await echo(ours, stock, randomBytes(SIZE))
    expect((await counted('sent')) - before.sent).toBeGreaterThanOrEqual(SIZE)
    expect((await counted('received')) - before.received).toBeGreaterThanOrEqual(SIZE)
    // counted once, not on both the TCP connection and the encrypted stream
    expect((await counted('sent')) - before.sent).toBeLessThan(SIZE * 1.1)
  })

  it('takes the TCP socket only when nothing was read past the negotiation', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    stops.push(() => new Promise((resolve) => server.close(resolve)))
    const socket = connect((server.address() as { port: number }).port, '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    stops.push(async () => socket.destroy())
    // what @libp2p/tcp's connection has: its socket, how many bytes it read ahead, its close and reset
    const tcpLike = (readBufferLength: number) => ({
      socket,
      readBufferLength,
      sendClose: async () => {},
      sendReset: () => {},
    })
    expect(takeableSocket(tcpLike(0) as never)).toBe(socket)
    // bytes the connection already read would not reach TLS: such a connection goes through a duplex
    expect(takeableSocket(tcpLike(3) as never)).toBeUndefined()
    // a connection that is not over TCP (no socket), or one whose close and reset are not the ones expected
    expect(takeableSocket({ readBufferLength: 0 } as never)).toBeUndefined()
    expect(takeableSocket({ socket, readBufferLength: 0 } as never)).toBeUndefined()
    // a socket that is gone
    socket.destroy()
    expect(takeableSocket(tcpLike(0) as never)).toBeUndefined()
  })
})
