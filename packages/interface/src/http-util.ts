import type { IncomingMessage, ServerResponse } from 'node:http'
import { errorResponse } from './errors.js'

/** The stable IPFRS error code travels beside Kubo's body, so our own clients can rebuild typed errors. */
export const ERROR_CODE_HEADER = 'X-Ipfrs-Error-Code'

export function sendJson(res: ServerResponse, value: unknown, status = 200): void {
  const body = `${stringify(value)}\n`
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

export function sendError(res: ServerResponse, err: unknown): void {
  const { status, code, body } = errorResponse(err)
  if (res.headersSent) {
    // a stream already started: Kubo reports late errors in the X-Stream-Error trailer; cutting the connection
    // is what every client notices
    res.destroy(err instanceof Error ? err : new Error(String(err)))
    return
  }
  res.setHeader(ERROR_CODE_HEADER, code)
  sendJson(res, body, status)
}

/** JSON with bigints as numbers (sizes). */
export function stringify(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))
}

/** Writes newline-delimited JSON values as they come (Kubo's streaming output), honouring backpressure. */
export async function sendNdjson(res: ServerResponse, values: AsyncIterable<unknown>): Promise<void> {
  let started = false
  for await (const value of values) {
    if (!started) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Chunked-Output': '1' })
      started = true
    }
    await write(res, `${stringify(value)}\n`)
  }
  if (!started) res.writeHead(200, { 'Content-Type': 'application/json', 'X-Chunked-Output': '1' })
  res.end()
}

/** Streams bytes; the status line is sent only when the first chunk is ready, so early errors still get a status. */
export async function sendBytes(
  res: ServerResponse,
  chunks: AsyncIterable<Uint8Array>,
  headers: Record<string, string | number> = {},
  status = 200,
): Promise<void> {
  let started = false
  for await (const chunk of chunks) {
    if (!started) {
      res.writeHead(status, { 'Content-Type': 'application/octet-stream', ...headers })
      started = true
    }
    await write(res, chunk)
  }
  if (!started) res.writeHead(status, { 'Content-Type': 'application/octet-stream', ...headers })
  res.end()
}

export async function write(res: ServerResponse, chunk: Uint8Array | string): Promise<void> {
  if (res.destroyed) throw new Error('client went away')
  if (!res.write(chunk)) {
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        res.off('drain', done)
        res.off('close', done)
        if (res.destroyed && !res.writableFinished) reject(new Error('client went away'))
        else resolve()
      }
      res.on('drain', done)
      res.on('close', done)
    })
  }
}

/** An AbortSignal that fires when the client disconnects before the response ends. */
export function clientSignal(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const controller = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'))
  })
  req.once('aborted', () => controller.abort(new Error('client disconnected')))
  return controller.signal
}

/** An array (or any iterable) as an async iterable. */
export async function* fromIterable<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items
}
