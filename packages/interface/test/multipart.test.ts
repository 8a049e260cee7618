import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { multipartParts } from '../src/multipart.js'

const BOUNDARY = 'test-boundary'

/** A request whose whole multipart body (`n` files) arrives in one chunk, as a small `curl -F` upload does. */
function upload(n: number): IncomingMessage {
  const part = (i: number) =>
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="f${i}.txt"\r\n` +
    `Content-Type: application/octet-stream\r\n\r\ncontent ${i}\r\n`
  const body = `${Array.from({ length: n }, (_, i) => part(i)).join('')}--${BOUNDARY}--\r\n`
  const req = Readable.from([Buffer.from(body)]) as unknown as IncomingMessage
  req.headers = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }
  // as an http.IncomingMessage does: `complete` once the whole body has arrived (a close before that is a disconnect)
  req.once('end', () => Object.assign(req, { complete: true }))
  return req
}

async function read(req: IncomingMessage, maxParts: number): Promise<string[]> {
  const out: string[] = []
  for await (const p of multipartParts(req, { maxParts })) {
    let text = ''
    for await (const chunk of p.content ?? []) text += Buffer.from(chunk).toString()
    out.push(`${p.path}=${text}`)
  }
  return out
}

describe('multipartParts limits', () => {
  it('accepts exactly maxParts parts, the closing boundary in the same chunk', async () => {
    expect(await read(upload(1), 1)).toEqual(['f0.txt=content 0'])
    expect(await read(upload(3), 3)).toEqual(['f0.txt=content 0', 'f1.txt=content 1', 'f2.txt=content 2'])
  })

  it('refuses one part more than maxParts', async () => {
    await expect(read(upload(2), 1)).rejects.toThrow('more than 1 parts in one request')
    await expect(read(upload(4), 3)).rejects.toThrow('more than 3 parts in one request')
  })
})
