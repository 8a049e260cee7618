import type { LocalNodeApi, SemanticDhtRoutingStats } from '@ipfrs/node-api'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { BandwidthHistory } from './bandwidth.js'

/** Repo totals are read from disk at most this often (a scrape every second must not walk the blockstore). */
const REPO_STAT_TTL_MS = 15_000

/** Request series kept looked up (commands and statuses are few; past this, each is looked up per request). */
const MAX_REQUEST_SERIES = 1024

/**
 * The daemon's Prometheus metrics: process defaults, HTTP request latencies, DHT queries made through the API, peers,
 * repo blocks and bytes, and (through the registry handed to the node) libp2p's own connection, stream, DHT and
 * Bitswap metrics.
 */
export class DaemonMetrics {
  readonly registry = new Registry()
  /** Bytes in and out per second over the last 10 minutes, from libp2p's counters in `registry` (`stats/bw`). */
  readonly bandwidth = new BandwidthHistory(this.registry)
  readonly #requests: Histogram<'server' | 'command' | 'status'>
  readonly #dhtQueries: Counter<'kind'>
  /** The request histogram's series by `server command status`, looked up once: prom-client hashes the labels of
   * every observation it is given with them, a few percent of a gateway's CPU per small request. */
  readonly #requestSeries = new Map<string, { observe(seconds: number): void }>()

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ipfrs_' })
    this.#requests = new Histogram({
      name: 'ipfrs_http_request_duration_seconds',
      help: 'HTTP requests served by the RPC API and the gateway, by command and status',
      labelNames: ['server', 'command', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [this.registry],
    })
    this.#dhtQueries = new Counter({
      name: 'ipfrs_dht_queries_total',
      help: 'DHT queries started on behalf of API clients, by kind',
      labelNames: ['kind'],
      registers: [this.registry],
    })
  }

  /** Starts the per-scrape gauges that read from `node`. */
  watch(node: LocalNodeApi): void {
    let cached: { at: number; blocks: number; bytes: number } | undefined
    const repoTotals = async () => {
      if (cached == null || Date.now() - cached.at > REPO_STAT_TTL_MS) {
        const stat = await node.repoStat()
        cached = { at: Date.now(), blocks: stat.NumObjects, bytes: stat.RepoSize }
      }
      return cached
    }
    new Gauge({
      name: 'ipfrs_repo_blocks',
      help: 'Blocks stored in the repo',
      registers: [this.registry],
      async collect() {
        this.set((await repoTotals()).blocks)
      },
    })
    new Gauge({
      name: 'ipfrs_repo_bytes',
      help: 'Bytes the repo takes on disk',
      registers: [this.registry],
      async collect() {
        this.set((await repoTotals()).bytes)
      },
    })
    new Gauge({
      name: 'ipfrs_peers_connected',
      help: 'Peers with an open connection',
      registers: [this.registry],
      collect() {
        this.set(node.isOnline ? new Set(node.network.peers().map((p) => p.peer)).size : 0)
      },
    })
    this.watchSemantic(node)
  }

  /**
   * The semantic DHT's LSH records path (`Semantic.DhtRouting`): records and keys held, records refused by reason,
   * kad-dht lookups (and closest-peer cache hits), searches, records provided and waiting, and the recall estimate.
   */
  watchSemantic(node: LocalNodeApi): void {
    const routing = () => {
      try {
        return node.semantic.stats().network?.dhtRouting
      } catch {
        return undefined // semantic index disabled, or not started
      }
    }
    const gauge = (name: string, help: string, read: (r: SemanticDhtRoutingStats) => number | undefined) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const r = routing()
          const v = r === undefined ? undefined : read(r)
          if (v === undefined) this.reset()
          else this.set(v)
        },
      })
    gauge('ipfrs_semantic_dht_records_held', 'LSH records held for other providers', (r) => r.recordsHeld)
    gauge('ipfrs_semantic_dht_keys_held', 'LSH bucket keys this node holds records under', (r) => r.keysHeld)
    gauge('ipfrs_semantic_dht_searches', 'Network searches that looked up LSH keys', (r) => r.searches)
    gauge('ipfrs_semantic_dht_lookups', 'kad-dht lookups of LSH keys (cache misses)', (r) => r.lookups)
    gauge('ipfrs_semantic_dht_lookup_cache_hits', 'LSH key lookups answered from the cache', (r) => r.lookupCacheHits)
    gauge('ipfrs_semantic_dht_records_provided', 'Records of this node accepted by holders', (r) => r.recordsProvided)
    gauge('ipfrs_semantic_dht_pending_provide', 'Documents waiting to be published', (r) => r.pendingProvide)
    gauge(
      'ipfrs_semantic_dht_recall_estimate',
      'Share of own documents the records path finds',
      (r) => r.recallEstimate,
    )
    new Gauge({
      name: 'ipfrs_semantic_dht_records_refused',
      help: 'LSH records refused (received or fetched), by reason',
      labelNames: ['reason'],
      registers: [this.registry],
      collect() {
        this.reset()
        for (const [reason, n] of Object.entries(routing()?.recordsRefused ?? {})) this.set({ reason }, n)
      },
    })
  }

  /** Times one request; call the returned function with the response status when it ends. */
  startRequest(server: 'api' | 'gateway', command: string): (status: number) => void {
    const start = performance.now()
    return (status) => {
      const seconds = (performance.now() - start) / 1000
      const key = `${server} ${command} ${status}`
      let series = this.#requestSeries.get(key)
      if (series === undefined) {
        series = this.#requests.labels(server, command, String(status))
        if (this.#requestSeries.size < MAX_REQUEST_SERIES) this.#requestSeries.set(key, series)
      }
      series.observe(seconds)
    }
  }

  countDhtQuery(kind: string): void {
    this.#dhtQueries.inc({ kind })
  }

  async text(): Promise<string> {
    return this.registry.metrics()
  }
}
