/**
 * A POST to the daemon whose response body goes straight into a writable (stdout for `cat`, a file for `get`) through
 * one reused read buffer. node:http copies every body piece its parser sees into a new Buffer, and a socket's default
 * reads allocate 64 KiB each: for a 128 MiB `cat` that cost the CLI more CPU than the daemon spent serving the file.
 * Here the socket reads into a single 256 KiB buffer, HTTP/1.1 framing (status, headers, chunked or sized body) is
 * taken off in place, and the next read waits until the writable has taken the previous bytes.
 */
import { connect, type Socket } from 'node:net'
import { ERROR_CODE_HEADER } from '@ipfrs/interface/client'
import { ApiStreamError, ApiUnreachableError, daemonError } from './errors.js'

/** The bytes one socket read may bring (and the only buffer the body passes through). */
const READ_BUFFER = 256 * 1024
/** A response head larger than this is not the daemon's. */
const MAX_HEAD = 64 * 1024

/** A non-2xx answer: its status, headers (lower-case names) and body text. */
interface ErrorAnswer {
  status: number
  headers: Record<string, string>
  text: string
}

export interface PipeRequest {
  /** http://host:port */
  url: string
  /** The path and query, `/api/v0/cat?arg=…`. */
  path: string
  headers: Record<string, string>
  signal?: AbortSignal
}

/**
 * Where the body goes: takes a view of the read buffer and calls `done` once it no longer needs it (as a Writable's
 * `write(chunk, callback)` does); an error passed to `done` ends the read with that error.
 */
export type Sink = (bytes: Uint8Array, done: (err?: Error | null) => void) => void

/**
 * POSTs `req` (no body) and hands a 2xx response's body to `sink`; resolves with the bytes handed. Rejects with
 * `ERR_API_UNREACHABLE` (no connection), the daemon's error (a non-2xx answer), `ERR_API_STREAM` (the response broke
 * off or was not HTTP), or the sink's own error.
 */
export function pipeBody(req: PipeRequest, sink: Sink): Promise<number> {
  const { hostname, port } = new URL(req.url)
  const host = hostname.replace(/^\[|\]$/g, '')
  return new Promise<number>((resolve, reject) => {
    const buffer = Buffer.allocUnsafe(READ_BUFFER)
    const parser = new ResponseParser()
    let answered = false
    let written = 0
    let pending = 0
    let settled = false
    let socket: Socket
    const finish = (err?: unknown) => {
      if (settled) return
      settled = true
      req.signal?.removeEventListener('abort', onAbort)
      socket.destroy()
      if (err === undefined) resolve(written)
      else reject(err)
    }
    const onAbort = () => finish(req.signal?.reason)
    const broken = (cause: unknown) =>
      new ApiStreamError(`the daemon's response broke off: ${(cause as Error).message}`, { cause })
    const answer = (a: ErrorAnswer) => daemonError(a.status, a.headers[ERROR_CODE_HEADER.toLowerCase()], a.text)
    const wrote = (err?: Error | null) => {
      if (err != null) return finish(err)
      if (--pending === 0) {
        if (parser.done) finish()
        else socket.resume()
      }
    }
    const onBytes = (n: number): boolean => {
      answered = true
      let pieces: Uint8Array[]
      try {
        pieces = parser.push(buffer.subarray(0, n))
      } catch (err) {
        finish(broken(err))
        return false
      }
      for (const piece of pieces) {
        pending++
        written += piece.byteLength
        sink(piece, wrote)
      }
      if (parser.error !== undefined) {
        finish(answer(parser.error))
        return false
      }
      // the buffer is read into again only once the writable is done with every view of it
      if (pending > 0) return false
      if (parser.done) finish()
      return true
    }
    socket = connect({ host, port: Number(port), onread: { buffer, callback: onBytes } })
    socket.on('error', (err) => finish(answered ? broken(err) : new ApiUnreachableError(req.url, { cause: err })))
    socket.on('end', () => {
      parser.end()
      if (parser.error !== undefined) return finish(answer(parser.error))
      if (!parser.done) return finish(broken(new Error('the connection closed early')))
      if (pending === 0) finish()
    })
    if (req.signal?.aborted === true) return onAbort()
    req.signal?.addEventListener('abort', onAbort, { once: true })
    const head = [`POST ${req.path} HTTP/1.1`, `Host: ${req.url.replace(/^https?:\/\//, '')}`, 'Content-Length: 0']
    for (const [name, value] of Object.entries(req.headers)) head.push(`${name}: ${value}`)
    // not end(): a half-closed request is one the daemon's HTTP server takes as abandoned
    socket.write(`${head.join('\r\n')}\r\nConnection: close\r\n\r\n`)
  })
}

/**
 * HTTP/1.1 response framing, fed the socket's reads: `push` returns the body bytes in them (views of the read, no
 * copies) once the head said 2xx; a non-2xx answer's body is collected into `error` instead.
 */
export class ResponseParser {
  /** A non-2xx answer, once its body is complete. */
  error: ErrorAnswer | undefined
  /** The body is complete. */
  done = false
  #head: Buffer | undefined = Buffer.alloc(0)
  #status = 0
  #headers: Record<string, string> = {}
  /** The body's framing: chunked, a known length, or until the connection closes. */
  #mode: 'chunked' | 'length' | 'close' = 'close'
  /** Body bytes left in the current chunk (chunked) or in the body (length). */
  #left = 0
  /** Chunked: what comes next. */
  #state: 'size' | 'data' | 'crlf' | 'trailer' = 'size'
  #line = ''
  #errorBody: Buffer[] | undefined

  push(bytes: Uint8Array): Uint8Array[] {
    if (this.done) return []
    let rest = bytes
    if (this.#head !== undefined) {
      const head = Buffer.concat([this.#head, bytes])
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) {
        if (head.byteLength > MAX_HEAD) throw new Error('the response head is too large')
        this.#head = Buffer.from(head)
        return []
      }
      this.#parseHead(head.subarray(0, end).toString('latin1'))
      this.#head = undefined
      // the body bytes of this read: a view of `bytes` (not of the concatenated copy) so none is copied
      rest = bytes.subarray(bytes.byteLength - (head.byteLength - end - 4))
    }
    const body = this.#body(rest)
    if (this.#errorBody !== undefined) {
      for (const piece of body) this.#errorBody.push(Buffer.from(piece))
      if (this.done) this.#settleError()
      return []
    }
    return body
  }

  /** The connection closed: a body read until the close is complete. */
  end(): void {
    if (this.#head !== undefined || this.done) return
    if (this.#mode === 'close') {
      this.done = true
      if (this.#errorBody !== undefined) this.#settleError()
    }
  }

  #parseHead(head: string): void {
    const [statusLine = '', ...lines] = head.split('\r\n')
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)
    if (m == null) throw new Error(`not an HTTP response: ${statusLine.slice(0, 80)}`)
    this.#status = Number(m[1])
    for (const line of lines) {
      const colon = line.indexOf(':')
      if (colon > 0) this.#headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    if (/\bchunked\b/i.test(this.#headers['transfer-encoding'] ?? '')) this.#mode = 'chunked'
    else if (this.#headers['content-length'] !== undefined) {
      this.#mode = 'length'
      this.#left = Number(this.#headers['content-length'])
      if (!Number.isSafeInteger(this.#left) || this.#left < 0) throw new Error('a bad Content-Length')
      if (this.#left === 0) this.done = true
    }
    if (this.#status < 200 || this.#status >= 300) {
      this.#errorBody = []
      if (this.done) this.#settleError()
    }
  }

  #settleError(): void {
    const text = Buffer.concat(this.#errorBody ?? []).toString('utf8')
    this.error = { status: this.#status, headers: this.#headers, text }
  }

  #body(bytes: Uint8Array): Uint8Array[] {
    if (this.#mode === 'close') return bytes.byteLength > 0 ? [bytes] : []
    if (this.#mode === 'length') {
      const take = bytes.subarray(0, this.#left)
      this.#left -= take.byteLength
      if (this.#left === 0) this.done = true
      return take.byteLength > 0 ? [take] : []
    }
    const out: Uint8Array[] = []
    let i = 0
    while (i < bytes.byteLength && !this.done) {
      if (this.#state === 'data') {
        const take = bytes.subarray(i, i + this.#left)
        out.push(take)
        i += take.byteLength
        this.#left -= take.byteLength
        if (this.#left === 0) this.#state = 'crlf'
        continue
      }
      // a line: a chunk's size, the CRLF after its data, or a trailer (an empty one ends the body)
      const nl = bytes.indexOf(0x0a, i)
      const end = nl < 0 ? bytes.byteLength : nl
      this.#line += Buffer.from(bytes.buffer, bytes.byteOffset + i, end - i).toString('latin1')
      if (this.#line.length > 1024) throw new Error('a bad chunk in the response')
      i = end
      if (nl < 0) break
      i++
      const line = this.#line.replace(/\r$/, '')
      this.#line = ''
      if (this.#state === 'crlf') {
        if (line !== '') throw new Error('a bad chunk in the response')
        this.#state = 'size'
      } else if (this.#state === 'size') {
        const size = Number.parseInt(line.split(';')[0] ?? '', 16)
        if (!Number.isSafeInteger(size) || size < 0) throw new Error('a bad chunk size in the response')
        this.#left = size
        this.#state = size === 0 ? 'trailer' : 'data'
      } else if (line === '') {
        this.done = true
      }
    }
    return out
  }
}
