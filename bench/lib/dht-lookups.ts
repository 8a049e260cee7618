// The measurement behind bench/find-providers.ts, independent of how the nodes are built: form a local network in
// which every node bootstraps from node 0, wait for the routing tables, provide distinct CIDs from random nodes,
// then time findProviders for each from another random member, and again from a node that joins afterwards.
import { randomBytes } from 'node:crypto'
import { type CID, cidOf } from '@ipfrs/core'
import { mulberry32 } from '@ipfrs/semantic'
import { waitFor } from '@ipfrs/test-utils'
import { quantile } from './content.ts'

/** What the measurement needs of one DHT node, ours or stock. */
export interface DhtNode {
  readonly id: string
  /** Dialable addresses, each ending in /p2p/<id> (strings or multiaddr objects: what this kind of node dials). */
  addresses(): ReadonlyArray<{ toString(): string }>
  /** Peers in the Kademlia routing table. */
  routingTableSize(): number
  /** Whether this node's own provider store already holds a record of `cid` (so a lookup can answer locally). */
  holdsRecord(cid: CID): Promise<boolean>
  provide(cid: CID, signal: AbortSignal): Promise<void>
  /** Provider peer IDs, as the node's findProviders yields them. */
  findProviders(cid: CID, signal: AbortSignal): AsyncIterable<string>
  stop(): Promise<void>
}

/** Builds and starts node `index`, bootstrapping from `bootstrap` (empty for node 0). */
export type DhtNodeFactory = (index: number, bootstrap: ReadonlyArray<{ toString(): string }>) => Promise<DhtNode>

export interface LookupStats {
  nodes: number
  /** From the first start to routing tables ready. */
  formMs: number
  routingTableMin: number
  routingTableMedian: number
  provideP50: number
  provideP95: number
  /** Time to the expected provider. */
  foundP50: number
  foundP95: number
  /** Time until findProviders ends (the whole DHT query). */
  doneP50: number
  doneP95: number
  /** Lookups whose finder held the provider record itself before asking. */
  answeredLocally: number
  lookups: number
  /** Lookups that did not yield the expected provider before their timeout. */
  failures: number
  provideFailures: number
  /** The same lookups from a node that joined after the provides (it holds no records). */
  lateFoundP50: number
  lateFoundP95: number
  lateDoneP50: number
  lateDoneP95: number
  lateFailures: number
}

const RAW = 0x55

/** Runs the whole measurement on a fresh network of `size` nodes, and stops every node it started. */
export async function measureLookups(
  factory: DhtNodeFactory,
  size: number,
  lookups: number,
  seed: number,
  options: {
    readyTimeoutMs?: number
    lookupTimeoutMs?: number
    joinIntervalMs?: number
    log?: (line: string) => void
  } = {},
): Promise<LookupStats> {
  const joinIntervalMs = options.joinIntervalMs ?? 250
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000
  const lookupTimeoutMs = options.lookupTimeoutMs ?? 15_000
  const log = options.log ?? (() => undefined)
  const nodes: DhtNode[] = []
  try {
    const formStart = performance.now()
    const first = await factory(0, [])
    nodes.push(first)
    const bootstrap = first.addresses()
    if (bootstrap.length === 0) throw new Error('node 0 listens nowhere')
    // the others join one every `joinIntervalMs`: libp2p refuses more than 5 inbound connections per second from one
    // host (connectionManager.inboundConnectionThreshold), and here every node is on 127.0.0.1; a bootstrap dial
    // refused that way is not retried, so nodes started together would be left out of the network
    const started = await Promise.allSettled(
      Array.from({ length: size - 1 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * joinIntervalMs))
        return factory(i + 1, bootstrap)
      }),
    )
    for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value)
    const failed = started.find((s) => s.status === 'rejected')
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason
    // ready: node 0 knows everyone, and every other node knows node 0 and at least a few more (the self-lookup ran)
    const enough = Math.min(size - 1, 4)
    const ready = await waitFor(
      () => first.routingTableSize() >= size - 1 && nodes.every((n) => n.routingTableSize() >= enough),
      { timeout: readyTimeoutMs, interval: 50, what: 'full routing tables' },
    ).then(
      () => true,
      () => false,
    )
    if (!ready) {
      log(`routing tables not full after ${readyTimeoutMs} ms: ${nodes.map((n) => n.routingTableSize()).join(',')}`)
    }
    const formMs = performance.now() - formStart
    const tables = nodes.map((n) => n.routingTableSize()).sort((a, b) => a - b)

    const random = mulberry32(seed) // ours and the baseline pick the same providers and finders
    const pick = (n: number) => Math.floor(random() * n)
    const cids: CID[] = []
    const providers: number[] = []
    const provideMs: number[] = []
    let provideFailures = 0
    for (let k = 0; k < lookups; k++) {
      const cid = cidOf(randomBytes(64), RAW)
      const provider = pick(size)
      const start = performance.now()
      try {
        await nodes[provider]!.provide(cid, AbortSignal.timeout(lookupTimeoutMs))
        provideMs.push(performance.now() - start)
      } catch (err) {
        // the lookup still runs: it fails unless a record got out before the error
        provideFailures++
        log(`provide ${k} on ${size} nodes: ${(err as Error).message}`)
      }
      cids.push(cid)
      providers.push(provider)
    }

    const lookup = async (finder: DhtNode, k: number, found: number[], done: number[]): Promise<boolean> => {
      const expected = nodes[providers[k]!]!.id
      const start = performance.now()
      let foundAt = Number.NaN
      try {
        for await (const id of finder.findProviders(cids[k]!, AbortSignal.timeout(lookupTimeoutMs))) {
          if (id === expected && Number.isNaN(foundAt)) foundAt = performance.now() - start
        }
      } catch (err) {
        log(`lookup ${k} on ${size} nodes: ${(err as Error).message}`)
      }
      if (Number.isNaN(foundAt)) return false
      found.push(foundAt)
      done.push(performance.now() - start)
      return true
    }

    // from the network's members: each CID from a random node other than its provider
    const foundMs: number[] = []
    const doneMs: number[] = []
    let answeredLocally = 0
    let failures = 0
    for (let k = 0; k < lookups; k++) {
      let finderIndex = pick(size - 1)
      if (finderIndex >= providers[k]!) finderIndex++
      const finder = nodes[finderIndex]!
      if (await finder.holdsRecord(cids[k]!)) answeredLocally++
      if (!(await lookup(finder, k, foundMs, doneMs))) failures++
    }

    // from a node that joins after the provides, so holds no record: every lookup goes over the network
    const late = await factory(size, bootstrap)
    nodes.push(late)
    await waitFor(() => late.routingTableSize() >= enough, { timeout: readyTimeoutMs, interval: 50 }).catch(
      () => undefined,
    )
    const lateFoundMs: number[] = []
    const lateDoneMs: number[] = []
    let lateFailures = 0
    for (let k = 0; k < lookups; k++) {
      if (await late.holdsRecord(cids[k]!)) log(`the late node holds a record of lookup ${k} already`)
      if (!(await lookup(late, k, lateFoundMs, lateDoneMs))) lateFailures++
    }

    return {
      nodes: size,
      formMs,
      routingTableMin: tables[0] ?? 0,
      routingTableMedian: tables[Math.floor(tables.length / 2)] ?? 0,
      provideP50: quantile(provideMs, 0.5),
      provideP95: quantile(provideMs, 0.95),
      foundP50: quantile(foundMs, 0.5),
      foundP95: quantile(foundMs, 0.95),
      doneP50: quantile(doneMs, 0.5),
      doneP95: quantile(doneMs, 0.95),
      answeredLocally,
      lookups,
      failures,
      provideFailures,
      lateFoundP50: quantile(lateFoundMs, 0.5),
      lateFoundP95: quantile(lateFoundMs, 0.95),
      lateDoneP50: quantile(lateDoneMs, 0.5),
      lateDoneP95: quantile(lateDoneMs, 0.95),
      lateFailures,
    }
  } finally {
    await Promise.allSettled(nodes.map((n) => n.stop()))
  }
}
