import { readFile } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import { pipeline } from 'node:stream/promises'
import { isIpfrsError } from '@ipfrs/core/errors'
import { API_FILE, ERROR_CODE_HEADER, tcpAddress } from '@ipfrs/interface/client'
import type { Sink } from './body-pipe.js'
import { ApiStreamError, ApiUnreachableError, daemonError } from './errors.js'

// required, not imported: Node's ESM face of node:http evaluates every export, which loads undici (fetch's engine)
const { request } = createRequire(import.meta.url)('node:http') as typeof import('node:http')

/** One part of a multipart upload: a file (with content) or a directory. */
export interface UploadPart {
  path: string
  content?: AsyncIterable<Uint8Array>
}

/**
 * A 2xx answer of the daemon, its body not read yet. (node:http rather than fetch: fetch's undici costs a CLI call
 * through the daemon more start-up time and memory than the rest of the call.)
 */
export class ApiResponse {
  readonly #res: IncomingMessage

  constructor(res: IncomingMessage) {
    this.#res = res
  }

  get status(): number {
    return this.#res.statusCode ?? 0
  }

  /** The body's bytes as they arrive. */
  get body(): AsyncIterable<Uint8Array> {
    return this.#res
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await buffer(this.#res)
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  }

  async text(): Promise<string> {
    return (await buffer(this.#res)).toString('utf8')
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text())
  }
}

/**
 * A small client for a running daemon's RPC API: POST /api/v0/<command>?arg=…, Kubo's error bodies turned back into
 * IpfrsErrors (with the code the daemon sent in X-Ipfrs-Error-Code).
 */
export class ApiClient {
  readonly url: string
  readonly #token: string | undefined

  constructor(url: string, token?: string) {
    this.url = url.replace(/\/+$/, '')
    this.#token = token
  }

  /**
   * The client of the daemon running on `repoPath`, or undefined when none answers. A leftover `api` file whose
   * daemon is gone is not an error: the CLI then opens the repo itself.
   */
  static async forRepo(repoPath: string): Promise<ApiClient | undefined> {
    let addr: string
    try {
      addr = (await readFile(join(repoPath, API_FILE), 'utf8')).trim()
    } catch {
      return undefined
    }
    const { host, port } = tcpAddress(addr)
    const client = new ApiClient(
      `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      process.env.IPFRS_API_TOKEN,
    )
    try {
      await client.json('version', {}, { signal: AbortSignal.timeout(5000) })
      return client
    } catch (err) {
      // nobody listening: a leftover from a daemon that was killed
      if (!isIpfrsError(err) || err.code === ApiUnreachableError.code) return undefined
      throw err // it answered, with an error (e.g. 401): say so
    }
  }

  /** POSTs a command; resolves with the response once its status is 2xx, else throws the daemon's error. */
  async call(
    command: string,
    params: Record<string, string | number | boolean | string[] | undefined> = {},
    init: { signal?: AbortSignal; parts?: AsyncIterable<UploadPart> } = {},
  ): Promise<ApiResponse> {
    const search = query(params)
    const headers: Record<string, string> = {}
    if (this.#token != null) headers.Authorization = `Bearer ${this.#token}`
    // Web Crypto's global, not node:crypto: only an upload needs a boundary, and importing node:crypto costs every call
    const boundary = init.parts != null ? `ipfrs-${globalThis.crypto.randomUUID()}` : ''
    if (init.parts != null) headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`
    const req = request(`${this.url}/api/v0/${command}?${search}`, { method: 'POST', headers, signal: init.signal })
    let requestError: unknown
    const answered = new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve)
      req.once('error', (err) => {
        requestError = err
        reject(err)
      })
    })
    // a part that cannot be read (a file gone) fails the call with its own error, not as an unreachable daemon
    let uploadError: unknown
    if (init.parts != null) {
      const parts = init.parts
      const body = async function* () {
        try {
          yield* multipartBody(parts, boundary)
        } catch (err) {
          if (err !== requestError) uploadError ??= err
          throw err
        }
      }
      pipeline(Readable.from(body()), req).catch(() => undefined) // its failure is the request's, handled below
    } else {
      req.end()
    }
    let res: IncomingMessage
    try {
      res = await answered
    } catch (err) {
      if (init.signal?.aborted) throw err
      if (uploadError !== undefined) throw uploadError
      throw new ApiUnreachableError(this.url, { cause: err })
    }
    const status = res.statusCode ?? 0
    if (status >= 200 && status < 300) return new ApiResponse(res)
    throw daemonError(status, res.headers[ERROR_CODE_HEADER.toLowerCase()], (await buffer(res)).toString('utf8'))
  }

  async json<T = Record<string, unknown>>(
    command: string,
    params: Parameters<ApiClient['call']>[1] = {},
    init: Parameters<ApiClient['call']>[2] = {},
  ): Promise<T> {
    return (await (await this.call(command, params, init)).json()) as T
  }

  /**
   * POSTs a command and hands its response body to `sink` (see body-pipe.ts: one reused buffer, no copies), waiting
   * for it to take each piece; resolves with the bytes handed. For the big bodies (`cat`, `get`).
   */
  async pipe(
    command: string,
    params: Parameters<ApiClient['call']>[1],
    sink: Sink,
    init: { signal?: AbortSignal } = {},
  ): Promise<number> {
    const { pipeBody } = await import('./body-pipe.js')
    const headers: Record<string, string> = {}
    if (this.#token != null) headers.Authorization = `Bearer ${this.#token}`
    return pipeBody({ url: this.url, path: `/api/v0/${command}?${query(params)}`, headers, ...init }, sink)
  }

  /** The response's newline-delimited JSON values, as they arrive. */
  async *ndjson<T = Record<string, unknown>>(
    command: string,
    params: Parameters<ApiClient['call']>[1] = {},
    init: Parameters<ApiClient['call']>[2] = {},
  ): AsyncGenerator<T> {
    const res = await this.call(command, params, init)
    let buffered = ''
    const decoder = new TextDecoder()
    for await (const chunk of bodyOf(res)) {
      buffered += decoder.decode(chunk, { stream: true })
      let nl = buffered.indexOf('\n')
      while (nl >= 0) {
        const line = buffered.slice(0, nl).trim()
        buffered = buffered.slice(nl + 1)
        if (line !== '') yield JSON.parse(line) as T
        nl = buffered.indexOf('\n')
      }
    }
    if (buffered.trim() !== '') yield JSON.parse(buffered) as T
  }

  /** The response body's bytes, streamed. */
  async *bytes(
    command: string,
    params: Parameters<ApiClient['call']>[1] = {},
    init: Parameters<ApiClient['call']>[2] = {},
  ): AsyncGenerator<Uint8Array> {
    yield* bodyOf(await this.call(command, params, init))
  }
}

function query(params: Parameters<ApiClient['call']>[1] = {}): URLSearchParams {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v))
  }
  return search
}

async function* bodyOf(res: ApiResponse): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of res.body) yield chunk
  } catch (err) {
    throw new ApiStreamError(`the daemon's response broke off: ${(err as Error).message}`, { cause: err })
  }
}

async function* multipartBody(parts: AsyncIterable<UploadPart>, boundary: string): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder()
  for await (const part of parts) {
    const type = part.content == null ? 'application/x-directory' : 'application/octet-stream'
    yield enc.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${encodeURIComponent(part.path)}"\r\nContent-Type: ${type}\r\n\r\n`,
    )
    if (part.content != null) for await (const chunk of part.content) yield chunk
    yield enc.encode('\r\n')
  }
  yield enc.encode(`--${boundary}--\r\n`)
}
