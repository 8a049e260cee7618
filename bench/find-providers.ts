// findProviders latency in local networks of 5, 10 and 20 nodes (TCP on 127.0.0.1, everyone bootstrapping from
// node 0): p50/p95 over distinct CIDs, each provided by a random node and looked up from another random node.
//   - ours: @ipfrs/network `Network` instances (libp2p, kad-dht, GossipSub, AutoNAT, Bitswap via Helia) over memory
//     stores, through Network.provide and Network.findProviders;
//   - baseline, same run: stock js-libp2p + stock @libp2p/kad-dht nodes (bench/lib/stock-dht.ts), through
//     libp2p.contentRouting, with the same providers, finders and number of lookups.
import { loadavg } from 'node:os'
import { type CID, defaultConfig, type NodeConfig } from '@ipfrs/core'
import { Network } from '@ipfrs/network'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { type DhtNode, type LookupStats, measureLookups } from './lib/dht-lookups.ts'
import { type Row, writeReport } from './lib/report.ts'
import { stockDhtNode } from './lib/stock-dht.ts'

const SIZES = (process.env.BENCH_DHT_SIZES ?? '5,10,20').split(',').map(Number)
const LOOKUPS = Number(process.env.BENCH_DHT_LOOKUPS ?? 30)
const SEED = Number(process.env.BENCH_DHT_SEED ?? 7)

/** A started lighter IPFRS network node: memory stores, TCP on 127.0.0.1 only, the given bootstrap list. */
async function oursDhtNode(bootstrap: ReadonlyArray<{ toString(): string }>): Promise<DhtNode> {
  const config: NodeConfig = defaultConfig()
  config.Addresses.Swarm = ['/ip4/127.0.0.1/tcp/0']
  config.Swarm.Transports.Network = { TCP: true, QUIC: false }
  config.Bootstrap = bootstrap.map(String)
  config.Routing.LoopbackAddressesOnWanDHT = true // all on 127.0.0.1, as the baseline's passthrough mapper
  const network = Network.create({
    config,
    privateKey: await generateKeyPair('Ed25519'),
    blockstore: new MemoryBlockstore(),
    datastore: new MemoryDatastore(),
  })
  await network.start()
  const dht = network.libp2p.services.dht as {
    routingTable: { size: number }
    providers: { getProviders(cid: CID): Promise<unknown[]> }
  }
  return {
    id: network.peerId.toString(),
    addresses: () => network.addresses(),
    routingTableSize: () => dht.routingTable.size,
    holdsRecord: async (cid) => (await dht.providers.getProviders(cid)).length > 0,
    provide: (cid, signal) => network.provide(cid, { signal }),
    findProviders: async function* (cid, signal) {
      for await (const p of network.findProviders(cid, { signal })) yield p.id.toString()
    },
    stop: () => network.stop(),
  }
}

const ms = (x: number) => (Number.isNaN(x) ? 'n/a' : x < 10 ? x.toFixed(1) : x.toFixed(0))

const pair = (p50: number, p95: number) => `${ms(p50)} / ${ms(p95)}`

function row(what: string, s: LookupStats, base?: LookupStats): Row {
  return {
    nodes: s.nodes,
    what,
    'found p50 / p95 ms, member': pair(s.foundP50, s.foundP95),
    'query done p50 / p95 ms, member': pair(s.doneP50, s.doneP95),
    'found p50 / p95 ms, new node': pair(s.lateFoundP50, s.lateFoundP95),
    'query done p50 / p95 ms, new node': pair(s.lateDoneP50, s.lateDoneP95),
    'new-node found p50 vs stock': base === undefined ? '1.00' : (s.lateFoundP50 / base.lateFoundP50).toFixed(2),
    'provide p50 / p95 ms': pair(s.provideP50, s.provideP95),
    'member finder held the record': `${s.answeredLocally}/${s.lookups}`,
    'failed lookups member, new (provides)': `${s.failures}, ${s.lateFailures} (${s.provideFailures})`,
    'routing tables min/median': `${s.routingTableMin}/${s.routingTableMedian}`,
    'ready ms': ms(s.formMs),
  }
}

async function main(): Promise<void> {
  const started = performance.now()
  const loadAtStart = loadavg()[0]!
  const log = (line: string) => console.error(line)
  const rows: Row[] = []
  const results: Array<{ size: number; stock: LookupStats; ours: LookupStats }> = []
  for (const size of SIZES) {
    // the same seed gives both sides the same providers and finders (by index)
    const stock = await measureLookups((_, list) => stockDhtNode(list), size, LOOKUPS, SEED + size, { log })
    log(`stock ${size} nodes: new-node found p50 ${ms(stock.lateFoundP50)} ms, member done p50 ${ms(stock.doneP50)} ms`)
    const ours = await measureLookups((_, list) => oursDhtNode(list), size, LOOKUPS, SEED + size, { log })
    log(`ours ${size} nodes: new-node found p50 ${ms(ours.lateFoundP50)} ms, member done p50 ${ms(ours.doneP50)} ms`)
    results.push({ size, stock, ours })
    rows.push(row('stock libp2p + kad-dht (baseline)', stock), row('ipfrs Network (ours)', ours, stock))
  }
  const first = results[0]
  const last = results.at(-1)
  const growth = (pick: (r: { stock: LookupStats; ours: LookupStats }) => LookupStats) => {
    if (first === undefined || last === undefined || first === last) return 'n/a'
    const [a, b] = [pick(first), pick(last)]
    return `×${(b.lateFoundP50 / a.lateFoundP50).toFixed(2)} (new-node found p50), ×${(b.doneP50 / a.doneP50).toFixed(2)} (member query done p50)`
  }
  writeReport(
    'find-providers',
    `findProviders latency, local TCP networks of ${SIZES.join(', ')} nodes (${LOOKUPS} lookups each)`,
    rows,
    [
      `Each network: node 0 starts, then the others join one every 250 ms with node 0 as their only bootstrap peer (libp2p refuses more than 5 inbound connections per second from one host, and a refused bootstrap dial is not retried: started together, nodes 6 and up were left out); lookups begin once node 0's routing table holds everyone and every node's holds at least min(n-1, 4) peers (or after 30 s). ${LOOKUPS} distinct raw CIDs are then provided one at a time, each by a random node, and looked up twice: from a random member other than the provider, and from a node that joins after the provides (so holds no record). Ours and the baseline get the same picks.`,
      "found: from the findProviders call to the expected provider's arrival. query done: to the end of findProviders (the whole Kademlia query, up to k = 20 providers or no closer peers). p50 / p95 by nearest rank.",
      "With k = 20 and at most 20 nodes, a provide stores its record on (nearly) every member, so a member's 'found' is a read of its own provider store ('member finder held the record'); the new node's 'found' is one real GET_PROVIDERS round trip, and 'query done' is where network size shows.",
      `From ${first?.size} to ${last?.size} nodes: ours ${growth((r) => r.ours)}; stock ${growth((r) => r.stock)}.`,
      'Ours provides through Network.provide (GossipSub announcement, then the DHT through Helia routing) and finds through Network.findProviders (Helia routing over libp2p content routing); ours also run GossipSub, AutoNAT and Bitswap. The baseline calls libp2p.contentRouting directly and joins by dialling node 0 instead of through @libp2p/bootstrap. Both run kad-dht 16.4.5 in server mode with loopback addresses kept, all nodes in this one process on 2 cores.',
      `Machine load (1-minute average) ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end.`,
      `Whole run: ${((performance.now() - started) / 1000).toFixed(0)} s. Reproduce: node bench/find-providers.ts (or node bench/run.ts find-providers); BENCH_DHT_SIZES=5,10,20, BENCH_DHT_LOOKUPS, BENCH_DHT_SEED.`,
    ],
  )
}

await main()
