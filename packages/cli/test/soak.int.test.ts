import { createHash, randomBytes } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type cliEnv, testRepo } from './helpers.js'

type Env = Awaited<ReturnType<typeof cliEnv>>

const SOAK_MS = 30_000
const FETCH_TIMEOUT_S = 10
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** `ipfrs daemon -d` on a test repo (fetches give up after FETCH_TIMEOUT_S); its API and gateway URLs and PID. */
async function daemon(env: Env) {
  await env.ok(['config', '--json', 'Routing.FetchTimeoutSeconds', String(FETCH_TIMEOUT_S)])
  await env.ok(['daemon', '-d'])
  const api = (await readFile(join(env.repo, 'api'), 'utf8'))
    .trim()
    .replace(/^\/ip4\/([^/]+)\/tcp\/(\d+)$/, 'http://$1:$2')
  const gateway = (await readFile(join(env.repo, 'gateway'), 'utf8')).trim()
  const pid = Number((await readFile(join(env.repo, 'daemon.pid'), 'utf8')).trim())
  return { api, gateway, pid }
}

/** Posts `total` bytes to /api/v0/add slowly and hangs up half way: a client that goes away mid-upload. */
function abortedUpload(api: string, total: number): Promise<void> {
  return new Promise((resolve) => {
    const boundary = 'soak-boundary'
    const req = request(`${api}/api/v0/add`, {
      method: 'POST',
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    })
    req.on('error', () => resolve())
    req.on('close', () => resolve())
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big"\r\n\r\n`)
    req.write(randomBytes(total / 2))
    setTimeout(() => req.destroy(), 300)
  })
}

async function tmpFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true })
  return entries.filter((e) => e.endsWith('.tmp'))
}

describe('soak: one daemon under mixed load, a peer killed mid-fetch', () => {
  let b: Env // the daemon under test
  let a: Env // its peer, killed mid-fetch
  const pids: number[] = []
  beforeAll(async () => {
    ;[a, b] = await Promise.all([testRepo(), testRepo()])
  })
  afterAll(async () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL') // a daemon the test did not get to stop (a failed run)
      } catch {}
    }
    await Promise.all([a.cleanup(), b.cleanup()])
  })

  it('keeps serving, fails the broken fetch with ERR_FETCH_TIMEOUT, and ends verified, clean and stoppable', async () => {
    const peer = await daemon(a)
    const node = await daemon(b)
    pids.push(peer.pid, node.pid)
    const peerId = JSON.parse(await a.ok(['id', '--json'])).ID as string
    const peerAddr = (JSON.parse(await a.ok(['id', '--json'])).Addresses as string[]).find((x) => x.includes('/tcp/'))
    await b.ok(['swarm', 'connect', peerAddr!])

    // the peer holds a 24 MiB file the daemon has none of
    const remote = randomBytes(24 * 1024 * 1024)
    const remoteCid = await a.ok(['add', '-Q'], remote)

    const added = new Map<string, string>() // cid → sha-256 of what was added
    const errors: string[] = []
    const until = Date.now() + SOAK_MS
    const loop = async (job: () => Promise<void>) => {
      while (Date.now() < until) await job().catch((err: Error) => errors.push(err.message))
    }
    const adds = loop(async () => {
      const bytes = randomBytes(1024 + Math.floor(Math.random() * 300_000))
      const res = await b.ipfrs(['add', '-Q'], bytes)
      if (res.code === 0) added.set(res.stdout.toString().trim(), sha(bytes))
      else throw new Error(`add: ${res.stderr}`)
    })
    const cats = loop(async () => {
      const cids = [...added.keys()]
      if (cids.length === 0) {
        await sleep(100)
        return
      }
      const cid = cids[Math.floor(Math.random() * cids.length)]!
      const res = await b.ipfrs(['cat', cid])
      if (res.code !== 0 || sha(res.stdout) !== added.get(cid)) throw new Error(`cat ${cid}: ${res.stderr}`)
    })
    const gets = loop(async () => {
      const cids = [...added.keys()]
      if (cids.length === 0) {
        await sleep(100)
        return
      }
      const cid = cids[Math.floor(Math.random() * cids.length)]!
      const res = await fetch(`${node.gateway}/ipfs/${cid}`)
      const body = new Uint8Array(await res.arrayBuffer())
      if (res.status !== 200 || sha(body) !== added.get(cid)) throw new Error(`GET ${cid}: ${res.status}`)
    })
    const gcs = loop(async () => {
      const res = await b.ipfrs(['gc'])
      if (res.code !== 0) throw new Error(`gc: ${res.stderr}`)
      await sleep(500)
    })
    const aborted = loop(() => abortedUpload(node.api, 8 * 1024 * 1024))

    // mid-soak: fetch the peer's file through the daemon; once bytes flow the peer stops answering (SIGSTOP: still
    // connected, silent), later it is killed
    const fetching = (async () => {
      await sleep(2000)
      const res = await fetch(`${node.gateway}/ipfs/${remoteCid}`)
      expect(res.status, res.status === 200 ? '' : await res.text()).toBe(200)
      const reader = res.body!.getReader()
      let got = 0
      let stopped = false
      for (;;) {
        const chunk = await reader.read().catch(() => ({ done: true, value: undefined }))
        if (chunk.done) break
        got += chunk.value.byteLength
        if (!stopped && got > 1024 * 1024) {
          process.kill(peer.pid, 'SIGSTOP')
          stopped = true
        }
      }
      expect(stopped).toBe(true)
      expect(got).toBeLessThan(remote.byteLength) // the transfer broke off
      // asked again for what is missing: the typed error, as a 504, from the gateway and the RPC API
      const tail = remote.byteLength - 1024
      const again = await fetch(`${node.gateway}/ipfs/${remoteCid}`, { headers: { Range: `bytes=${tail}-` } })
      expect(again.status, await again.clone().text()).toBe(504)
      // ERR_FETCH_TIMEOUT while the silent peer is still connected; ERR_OFFLINE once libp2p has dropped it
      expect(await again.text()).toMatch(/could not fetch .* within 10 s|no peers are connected/)
      const rpc = await fetch(`${node.api}/api/v0/cat?arg=${remoteCid}&offset=${tail}`, { method: 'POST' })
      expect(rpc.status, await rpc.clone().text()).toBe(504)
      expect(['ERR_FETCH_TIMEOUT', 'ERR_OFFLINE']).toContain(rpc.headers.get('x-ipfrs-error-code'))
      // the peer dies: with nobody left to ask, the fetch fails at once (ERR_OFFLINE, 504)
      process.kill(peer.pid, 'SIGKILL')
      await sleep(500)
      const gone = await fetch(`${node.gateway}/ipfs/${remoteCid}`, { headers: { Range: `bytes=${tail}-` } })
      expect(gone.status).toBe(504)
      await gone.arrayBuffer()
    })()

    await Promise.all([adds, cats, gets, gcs, aborted, fetching])
    expect(peerId).not.toBe('')
    expect(errors).toEqual([])
    expect(added.size).toBeGreaterThan(0)

    // the daemon is alive and answers at once
    expect(() => process.kill(node.pid, 0)).not.toThrow()
    const health = await fetch(`${node.api}/health`, { signal: AbortSignal.timeout(2000) })
    expect(health.status).toBe(200)
    const quick = await b.ok(['add', '-q'], 'still here\n')
    expect(await b.ok(['cat', quick])).toBe('still here')

    // every completed add reads back byte for byte
    for (const [cid, digest] of added) {
      const res = await b.ipfrs(['cat', cid])
      expect(res.code, `cat ${cid}: ${res.stderr}`).toBe(0)
      expect(sha(res.stdout)).toBe(digest)
    }

    // it stops, and the repo it leaves verifies clean with no temp files
    expect(await b.ok(['daemon', 'stop'])).toBe(`daemon stopped (PID ${node.pid})`)
    const verify = await b.ipfrs(['repo', 'verify'])
    expect(verify.stdout.toString()).toMatch(/^verified \d+ blocks: all ok/)
    expect(verify.code).toBe(0)
    expect(await tmpFilesUnder(join(b.repo, 'blocks'))).toEqual([])
  }, 180_000)
})
