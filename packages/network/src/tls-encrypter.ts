/**
 * libp2p's TLS 1.3 handshake (the `/tls/1.0.0` spec, as `@libp2p/tls` speaks it: its certificates, their checks and its
 * encrypted stream), with one difference in how the TLS socket is fed. `@libp2p/tls` puts Node's TLS on a JavaScript
 * duplex in front of the connection, so every ciphertext chunk crosses from C++ to JavaScript and back on each side
 * (`JSStreamSocket`). Over TCP the connection is a `net.Socket`, and Node's TLS can take over its handle: ciphertext
 * then stays in C++ between the kernel and OpenSSL, and only plaintext reaches JavaScript. Loopback, 512 MiB over one
 * connection in one process: 0.7 s of CPU that way, 1.3 s through a duplex. Any other connection (WebSockets, a
 * connection with bytes already read past the protocol negotiation) goes through `@libp2p/tls`'s duplex as before.
 *
 * Taken over, the TCP socket closes with the TLS socket, and its inactivity timer is refreshed by the TLS socket's
 * traffic (Node's TLS socket refreshes its parent's). The other way round needs care: destroying the TCP socket while
 * the TLS socket still holds its handle crashes the process (Node 24: a segfault in OpenSSL's `SSL_read` on the next
 * read; found with a connection gater refusing a peer after the handshake, which resets the TCP connection). So the
 * TCP connection's own close and reset (`sendClose`, `sendReset`: a gater's refusal, its inactivity timeout, a socket
 * error, `Connection.close` after a muxer that did not close in time) end the TLS socket first. The upgrader's byte
 * counter, which sees no traffic on the TCP connection any more, is kept on the encrypted stream instead (plaintext
 * bytes: TLS record overhead, ~0.1%, is not counted).
 */
import { once } from 'node:events'
import { Socket } from 'node:net'
import { connect, type TLSSocket, TLSSocket as TlsSocket } from 'node:tls'
import {
  type AbortOptions,
  type ConnectionEncrypter,
  InvalidCryptoExchangeError,
  type MessageStream,
  type MultiaddrConnection,
  type PeerId,
  type SecureConnectionOptions,
  type SecuredConnection,
  type StreamMuxerFactory,
  serviceCapabilities,
  TimeoutError,
} from '@libp2p/interface'
import type { TLSComponents } from '@libp2p/tls'
import { generateCertificate, toMessageStream, toNodeDuplex, verifyPeerCertificate } from '@libp2p/tls/utils'
import { TLS_PROTOCOL } from './lazy-tls.js'

/** The ALPN token a peer offers when it does not negotiate its stream muxer inside the TLS handshake. */
const NO_EARLY_MUXER = 'libp2p'

/** What TLS needs of a TCP connection (`@libp2p/tcp`'s) to take its socket over. */
interface TcpConnection extends MessageStream {
  socket: Socket
  sendClose(options?: AbortOptions): Promise<void>
  sendReset(err: Error): void
}

/** The TCP socket under `connection`, when TLS can take it over: a connected `net.Socket` with nothing read ahead. */
export function takeableSocket(connection: MessageStream): Socket | undefined {
  const tcp = connection as Partial<TcpConnection>
  const socket = tcp.socket
  if (!(socket instanceof Socket) || socket instanceof TlsSocket) return undefined
  if ((socket as { _handle?: unknown })._handle == null || socket.destroyed) return undefined
  if (typeof tcp.sendClose !== 'function' || typeof tcp.sendReset !== 'function') return undefined
  // bytes the connection already took off the socket would be lost to the TLS socket
  if (connection.readBufferLength > 0 || socket.readableLength > 0) return undefined
  return socket
}

/** Makes the TCP connection end `tls` before it closes or resets the socket under it (see the file's comment). */
function endTlsFirst(connection: TcpConnection, tls: TLSSocket): void {
  const close = connection.sendClose.bind(connection)
  const reset = connection.sendReset.bind(connection)
  connection.sendClose = async (options) => {
    if (!tls.destroyed) {
      const closed = once(tls, 'close', { signal: options?.signal })
      tls.destroySoon()
      await closed.catch(() => tls.destroy())
    }
    await close(options)
  }
  connection.sendReset = (err) => {
    tls.destroy()
    reset(err)
  }
}

export class TlsEncrypter implements ConnectionEncrypter {
  readonly protocol = TLS_PROTOCOL
  readonly [Symbol.toStringTag] = '@libp2p/tls'
  readonly [serviceCapabilities] = ['@libp2p/connection-encryption']
  readonly #components: TLSComponents

  constructor(components: TLSComponents) {
    this.#components = components
  }

  secureInbound(connection: MessageStream, options?: SecureConnectionOptions): Promise<SecuredConnection> {
    return this.#encrypt(connection, true, options)
  }

  secureOutbound(connection: MessageStream, options?: SecureConnectionOptions): Promise<SecuredConnection> {
    return this.#encrypt(connection, false, options)
  }

  async #encrypt(
    connection: MessageStream,
    isServer: boolean,
    options?: SecureConnectionOptions,
  ): Promise<SecuredConnection> {
    const log = connection.log.newScope('tls')
    const muxers = this.#components.upgrader.getStreamMuxers()
    const offered = options?.skipStreamMuxerNegotiation === true ? [] : [...muxers.keys()]
    let streamMuxer: StreamMuxerFactory | undefined
    const tlsOptions = {
      ...(await generateCertificate(this.#components.privateKey, options)),
      minVersion: 'TLSv1.3' as const,
      maxVersion: 'TLSv1.3' as const,
      // the peer's certificate is self-signed: it is checked against the libp2p extension below instead
      rejectUnauthorized: false,
      // the stream muxer is chosen inside the handshake when both sides offer one
      ALPNProtocols: [...offered, NO_EARLY_MUXER],
      ALPNCallback: ({ protocols }: { protocols: string[] }) => {
        let chosen: string | undefined
        for (const protocol of protocols) {
          if (protocol === NO_EARLY_MUXER) chosen = NO_EARLY_MUXER
          streamMuxer = muxers.get(protocol)
          if (streamMuxer !== undefined) return protocol
        }
        return chosen
      },
    }
    const raw = takeableSocket(connection)
    const carrier = raw ?? toNodeDuplex(connection)
    const socket: TLSSocket = isServer
      ? new TlsSocket(carrier, { ...tlsOptions, isServer: true, requestCert: true })
      : connect({ ...tlsOptions, socket: carrier })
    if (raw === undefined) carrier.on('error', (err) => socket.emit('error', err))
    else endTlsFirst(connection as TcpConnection, socket)
    log('%s connection, TLS on %s', isServer ? 'inbound' : 'outbound', raw ? 'the TCP socket' : 'a stream')

    const onAbort = () => socket.destroy(new TimeoutError('the TLS handshake timed out'))
    options?.signal?.addEventListener('abort', onAbort)
    try {
      const remotePeer = await new Promise<PeerId>((resolve, reject) => {
        // kept after the handshake too: the encrypted stream adds its own listener only once it exists
        socket.on('error', (err) => {
          log.error('error encrypting %s connection - %e', connection.direction, err)
          socket.destroy()
          connection.abort(err)
          reject(err)
        })
        socket.once('secure', () => {
          verifyPeerCertificate(new Uint8Array(socket.getPeerCertificate().raw), options?.remotePeer, log).then(
            resolve,
            (err) => socket.emit('error', err),
          )
        })
      })
      if (!isServer && options?.skipStreamMuxerNegotiation !== true) {
        const alpn = socket.alpnProtocol
        if (typeof alpn === 'string' && alpn !== NO_EARLY_MUXER) {
          streamMuxer = muxers.get(alpn)
          if (streamMuxer === undefined) {
            const err = new InvalidCryptoExchangeError(`Selected muxer ${alpn} did not exist`)
            connection.abort(err)
            throw err
          }
        }
      }
      const encrypted = toMessageStream(connection, socket)
      // the upgrader counts bytes on the TCP connection, which carries none of its own once TLS took its socket
      if (raw !== undefined) this.#components.metrics?.trackMultiaddrConnection(encrypted as MultiaddrConnection)
      return { remotePeer, connection: encrypted, ...(streamMuxer ? { streamMuxer } : {}) }
    } finally {
      options?.signal?.removeEventListener('abort', onAbort)
    }
  }
}
