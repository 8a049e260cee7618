import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rpc, startDaemon, type TestDaemon } from './helpers.js'

const BOUNDARY = 'ipfrs-test-boundary'

/**
 * (The importer writes leaves in batches of 10 chunks of 256 KiB, so a test that waits for blocks sends more than that.)
 * Starts a multipart `add` (or `dag/import`, `block/put`) that sends `sent` bytes of a much bigger file and then stalls,
 * as a client cut off by Ctrl-C or `curl -m` does. Returns the request, to destroy (disconnect) when the test says.
 */
function stalledUpload(d: TestDaemon, command: string, sent: Uint8Array) {
  const url = new URL(`${d.daemon.apiUrl}/api/v0/${command}`)
  const req = request(url, {
    method: 'POST',
    headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Transfer-Encoding': 'chunked' },
  })
  req.on('error', () => undefined) // we cut it ourselves
  req.write(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  )
  req.write(sent)
  return req
}

/** Fails the test (instead of hanging it) when the daemon does not answer. */
const answer = { signal: AbortSignal.timeout(15_000) }
const quick = () => ({ signal: AbortSignal.timeout(15_000) })

async function addText(d: TestDaemon, text: string): Promise<string> {
  const form = new FormData()
  form.append('file', new Blob([text]), 'f.txt')
  const res = await rpc(d, 'add', { body: form, query: 'quieter=true', ...quick() })
  expect(res.status).toBe(200)
  const lines = (await res.text()).trim().split('\n')
  return JSON.parse(lines.at(-1) ?? '{}').Hash as string
}

async function until(what: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('an abandoned or stalled upload does not wedge the daemon', () => {
  let d: TestDaemon
  beforeAll(async () => {
    d = await startDaemon()
  })
  afterAll(async () => d?.stop())

  it('while an add stalls mid-upload, gc, add, pin/add, block/put and /health all answer', async () => {
    const req = stalledUpload(d, 'add', randomBytes(4 * 1024 * 1024))
    try {
      await until(() => d.node.repo.gcLock.inFlight > 0) // the stalled add has written blocks
      const gc = await rpc(d, 'repo/gc', quick())
      expect(gc.status).toBe(200)
      await gc.text()
      const cid = await addText(d, 'added while another upload stalls\n')
      const pin = await rpc(d, 'pin/add', { query: `arg=${cid}`, ...quick() })
      expect(pin.status).toBe(200)
      const form = new FormData()
      form.append('file', new Blob(['a raw block']), 'b')
      const put = await rpc(d, 'block/put', { body: form, ...quick() })
      expect(put.status).toBe(200)
      const health = await fetch(`${d.daemon.apiUrl}/health`, quick())
      expect(health.status).toBeLessThan(600)
      await health.text()
      expect(d.node.repo.gcLock.inFlight).toBeGreaterThan(0) // the stalled add still holds its blocks
    } finally {
      req.destroy()
    }
  })

  it('a client that disconnects mid-upload releases its blocks; gc then removes the half-written DAG', async () => {
    const before = new Set<string>()
    for await (const cid of d.node.repo.blockKeys()) before.add(cid.toString())
    const kept = await addText(d, 'kept\n')
    const req = stalledUpload(d, 'add', randomBytes(4 * 1024 * 1024))
    await until(() => d.node.repo.gcLock.inFlight > 0)
    req.destroy() // Ctrl-C
    await until(() => d.node.repo.gcLock.inFlight === 0)
    const gc = await rpc(d, 'repo/gc', answer)
    expect(gc.status).toBe(200)
    await gc.text()
    const after: string[] = []
    for await (const cid of d.node.repo.blockKeys()) after.push(cid.toString())
    // nothing of the abandoned upload is left: at most the blocks that were there, plus the pinned add
    expect(after.filter((c) => !before.has(c)).length).toBeLessThanOrEqual(1)
    const cat = await rpc(d, 'cat', { query: `arg=${kept}`, ...quick() })
    expect(await cat.text()).toBe('kept\n')
    expect((await d.node.repoVerify()).problems).toEqual([])
  })

  it('dag/import and block/put cut off mid-upload release what they hold', async () => {
    for (const command of ['dag/import', 'block/put']) {
      const req = stalledUpload(d, command, randomBytes(64 * 1024))
      await new Promise((r) => setTimeout(r, 100))
      req.destroy()
      const cid = await addText(d, `after an abandoned ${command}\n`)
      expect(cid).toMatch(/^Qm/)
    }
    await until(() => d.node.repo.gcLock.inFlight === 0)
  })
})
