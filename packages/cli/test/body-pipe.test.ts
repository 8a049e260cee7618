import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { pipeBody, ResponseParser } from '../src/body-pipe.js'

/** Feeds `wire` to a parser in reads of `size` bytes (reusing one buffer, as the socket does); the body it yields. */
function parse(wire: Buffer, size: number): { body: Buffer; parser: ResponseParser } {
  const parser = new ResponseParser()
  const read = Buffer.alloc(size)
  const out: Buffer[] = []
  for (let i = 0; i < wire.byteLength; i += size) {
    const n = wire.copy(read, 0, i, i + size)
    // copied at once: the next read overwrites the buffer the views point into
    for (const piece of parser.push(read.subarray(0, n))) out.push(Buffer.from(piece))
  }
  parser.end()
  return { body: Buffer.concat(out), parser }
}

const body = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251))
const chunked = (pieces: Buffer[]) =>
  Buffer.concat([
    Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n'),
    ...pieces.flatMap((p) => [Buffer.from(`${p.byteLength.toString(16)}\r\n`), p, Buffer.from('\r\n')]),
    Buffer.from('0\r\n\r\n'),
  ])

describe('ResponseParser', () => {
  it('takes chunked framing off in place, whatever the read boundaries', () => {
    const wire = chunked([body.subarray(0, 1000), body.subarray(1000, 1001), body.subarray(1001)])
    for (const size of [1, 2, 3, 7, 64, 1000, 4096]) {
      const { body: got, parser } = parse(wire, size)
      expect(got.equals(body), `reads of ${size}`).toBe(true)
      expect(parser.done).toBe(true)
      expect(parser.error).toBeUndefined()
    }
  })

  it('reads a body of a given length, and one that ends with the connection', () => {
    const sized = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.byteLength}\r\n\r\n`), body])
    expect(parse(sized, 5).body.equals(body)).toBe(true)
    const closed = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'), body])
    const { body: got, parser } = parse(closed, 100)
    expect(got.equals(body)).toBe(true)
    expect(parser.done).toBe(true)
  })

  it('does not call a chunked body cut short complete', () => {
    const wire = chunked([body])
    const { parser } = parse(wire.subarray(0, wire.byteLength - 10), 64)
    expect(parser.done).toBe(false)
  })

  it('collects an error answer with its status and headers, not as body bytes', () => {
    const text = JSON.stringify({ Message: 'no link named "x"', Code: 0, Type: 'error' })
    const wire = Buffer.from(
      `HTTP/1.1 404 Not Found\r\nX-Ipfrs-Error-Code: ERR_NOT_FOUND\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
    )
    const { body: got, parser } = parse(wire, 3)
    expect(got.byteLength).toBe(0)
    expect(parser.error).toEqual({
      status: 404,
      headers: { 'x-ipfrs-error-code': 'ERR_NOT_FOUND', 'content-length': String(text.length) },
      text,
    })
  })

  it('rejects what is not HTTP and bad chunk sizes', () => {
    expect(() => parse(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'), 64)).toThrow(/not an HTTP response/)
    expect(() => parse(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), 64)).toThrow(
      /bad chunk size/,
    )
  })
})

describe('pipeBody', () => {
  let server: Server | undefined
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))

  /** An HTTP server on 127.0.0.1 answering every request with `handler`; its URL. */
  const serve = (handler: Parameters<typeof createServer>[1]) =>
    new Promise<string>((resolve) => {
      server = createServer(handler).listen(0, '127.0.0.1', () =>
        resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}`),
      )
    })

  it('hands a node:http server body to the sink, waiting for each piece to be taken', async () => {
    const piece = Buffer.alloc(100_000, 7)
    const url = await serve(async (req, res) => {
      expect(req.method).toBe('POST')
      expect(req.headers.authorization).toBe('Bearer t')
      for (let i = 0; i < 20; i++) if (!res.write(piece)) await new Promise((r) => res.once('drain', r))
      res.end()
    })
    const got: Buffer[] = []
    const n = await pipeBody({ url, path: '/x?arg=1', headers: { Authorization: 'Bearer t' } }, (bytes, done) => {
      got.push(Buffer.from(bytes))
      setTimeout(done, 1) // a slow sink: the buffer is not read into again before it is done
    })
    expect(n).toBe(2_000_000)
    expect(Buffer.concat(got).equals(Buffer.concat(Array.from({ length: 20 }, () => piece)))).toBe(true)
  })

  it("turns an error answer into the daemon's error, with its code", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(404, { 'X-Ipfrs-Error-Code': 'ERR_NOT_FOUND' }).end(JSON.stringify({ Message: 'no such link' }))
    })
    const err = await pipeBody({ url, path: '/', headers: {} }, (_b, done) => done()).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'ERR_NOT_FOUND', httpStatus: 404, message: 'no such link' })
  })

  it('fails with ERR_API_STREAM when the response stops midway, ERR_API_UNREACHABLE when nobody listens', async () => {
    const url = await serve((_req, res) => {
      res.write('part of it')
      setTimeout(() => res.socket?.destroy(), 50)
    })
    const broken = await pipeBody({ url, path: '/', headers: {} }, (_b, done) => done()).catch((e: unknown) => e)
    expect((broken as { code: string }).code).toBe('ERR_API_STREAM')
    const port = (server!.address() as AddressInfo).port
    await new Promise<void>((resolve) => server!.close(() => resolve()))
    server = undefined
    const none = await pipeBody({ url: `http://127.0.0.1:${port}`, path: '/', headers: {} }, (_b, done) =>
      done(),
    ).catch((e: unknown) => e)
    expect((none as { code: string }).code).toBe('ERR_API_UNREACHABLE')
  })
})
