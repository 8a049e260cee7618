import { rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HEALTH_CATEGORIES, type HealthCategory, type HealthReport } from '../src/index.js'
import { rpc, startDaemon, type TestDaemon } from './helpers.js'

/** A strict reading of the Prometheus text format: every line is a comment (HELP/TYPE) or `name{labels} value`. */
function parsePrometheus(text: string): Map<string, number[]> {
  const metrics = new Map<string, number[]>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('#')) {
      expect(line).toMatch(/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$/)
      continue
    }
    const m =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|[Nn]a[Nn]|\+Inf|-Inf)( \d+)?$/.exec(
        line,
      )
    if (m == null) throw new Error(`not Prometheus text: ${line}`)
    const values = metrics.get(m[1]!) ?? []
    values.push(Number(m[3]))
    metrics.set(m[1]!, values)
  }
  return metrics
}

/** The body of `GET /health`. */
interface HealthBody {
  checks: Record<HealthCategory, HealthReport>
}

describe('/health and /metrics', () => {
  let d: TestDaemon
  beforeAll(async () => {
    d = await startDaemon()
  })
  afterAll(async () => {
    await d?.stop()
  })

  const health = async () => {
    const res = await fetch(`${d.daemon.apiUrl}/health`)
    return { status: res.status, body: (await res.json()) as HealthBody }
  }

  it('reports the five categories, all ok on a healthy node', async () => {
    const { status, body } = await health()
    expect(status).toBe(200)
    expect(Object.keys(body.checks).sort()).toEqual([...HEALTH_CATEGORIES].sort())
    for (const name of HEALTH_CATEGORIES) expect(body.checks[name].status).toBe('ok')
    const viaGateway = await fetch(`${d.daemon.gatewayUrl}/health`)
    expect(viaGateway.status).toBe(200)
  })

  it('goes 503 when storage breaks and back to 200 once it is repaired', async () => {
    const blocks = join(d.node.repo.path, 'blocks')
    await rename(blocks, `${blocks}.away`)
    await writeFile(blocks, 'not a directory')
    try {
      await d.daemon.health.poll()
      const broken = await health()
      expect(broken.status).toBe(503)
      expect(broken.body.checks.storage.status).not.toBe('ok')
    } finally {
      await rm(blocks)
      await rename(`${blocks}.away`, blocks)
    }
    await d.daemon.health.poll()
    const fixed = await health()
    expect(fixed.status).toBe(200)
    expect(fixed.body.checks.storage.status).toBe('ok')
  })

  it('restarts a stopped DHT service and counts the restart', async () => {
    const dht = d.node.network.libp2p.services.dht as { stop(): Promise<void>; isStarted(): boolean }
    await dht.stop()
    expect(dht.isStarted()).toBe(false)
    await d.daemon.health.poll() // sees it down and restarts it
    expect(dht.isStarted()).toBe(true)
    const { status, body } = await health()
    expect(status).toBe(200)
    expect(body.checks.dht.details.restarts).toBeGreaterThanOrEqual(1)
  })

  it('counts each request in the series of its server, command and status', async () => {
    const count = async (labels: string) => {
      const text = await (await fetch(`${d.daemon.apiUrl}/metrics`)).text()
      const line = text.split('\n').find((l) => l.startsWith(`ipfrs_http_request_duration_seconds_count{${labels}} `))
      return line === undefined ? 0 : Number(line.split(' ')[1])
    }
    const ok = 'server="gateway",command="ipfs",status="200"'
    const bad = 'server="gateway",command="ipfs",status="400"'
    const [okBefore, badBefore] = [await count(ok), await count(bad)]
    const { cid } = await d.node.addBytes(new TextEncoder().encode('counted'))
    for (const path of [`/ipfs/${cid}`, `/ipfs/${cid}`, '/ipfs/not-a-cid']) {
      const res = await fetch(`${d.daemon.gatewayUrl}${path}`)
      await res.arrayBuffer()
    }
    expect(await count(ok)).toBe(okBefore + 2)
    expect(await count(bad)).toBe(badBefore + 1)
  })

  it('serves Prometheus text with our metrics and libp2p’s at both paths', async () => {
    await rpc(d, 'version')
    for (const path of ['/metrics', '/debug/metrics/prometheus']) {
      const res = await fetch(`${d.daemon.apiUrl}${path}`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('text/plain')
      const metrics = parsePrometheus(await res.text())
      for (const name of [
        'ipfrs_http_request_duration_seconds_count',
        'ipfrs_peers_connected',
        'ipfrs_repo_blocks',
        'ipfrs_repo_bytes',
        'ipfrs_process_resident_memory_bytes',
        // the semantic DHT's LSH records path (on by default for an online node)
        'ipfrs_semantic_dht_records_held',
        'ipfrs_semantic_dht_lookups',
        'ipfrs_semantic_dht_records_provided',
      ]) {
        expect(metrics.has(name), name).toBe(true)
      }
      // records refused, one series per reason: malformed, dimension, oversized, expired, key, signature
      expect(metrics.get('ipfrs_semantic_dht_records_refused')).toEqual([0, 0, 0, 0, 0, 0])
      expect([...metrics.keys()].some((k) => k.startsWith('libp2p_'))).toBe(true)
      expect(metrics.get('ipfrs_repo_blocks')?.[0]).toBeGreaterThan(0)
    }
  })
})
