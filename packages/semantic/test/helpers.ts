import { cidOf } from '@ipfrs/core'
import { Network } from '@ipfrs/network'
import { localNetwork, waitFor } from '@ipfrs/test-utils'
import type { SemanticDhtInit } from '../src/dht-init.js'
import { FlatIndex } from '../src/flat-index.js'
import { mulberry32 } from '../src/random.js'
import { SemanticDht } from '../src/semantic-dht.js'
import type { Metric } from '../src/vector-index.js'

/** A started Network on 127.0.0.1 (TCP, in-memory stores, no bootstrap peers) without the Kademlia DHT. */
export function networkWithoutKad(): Promise<Network> {
  return localNetwork(Network, {
    configure: (config) => {
      config.Routing.Type = 'none'
    },
  })
}

/** A network node with a started SemanticDht over an exact FlatIndex. */
export interface DhtNode {
  readonly network: Network
  readonly index: FlatIndex
  readonly dht: SemanticDht
}

/** Starts `n` nodes, each with its own index and DHT (options passed to every SemanticDht). */
export async function dhtNodes(
  n: number,
  dimension: number,
  options: Partial<Omit<SemanticDhtInit, 'libp2p' | 'index'>> & { metric?: Metric } = {},
): Promise<DhtNode[]> {
  const { metric = 'l2', ...rest } = options
  return Promise.all(
    Array.from({ length: n }, async () => {
      const network = await networkWithoutKad()
      const index = new FlatIndex({ dimension, metric })
      const dht = new SemanticDht({ libp2p: network.libp2p, index, ...rest })
      await dht.start()
      return { network, index, dht }
    }),
  )
}

/** Connects every pair of nodes (a full mesh) and waits until each knows every other's summary. */
export async function meshAndSettle(nodes: DhtNode[]): Promise<void> {
  for (let i = 0; i < nodes.length; i++) {
    await Promise.all(
      nodes.slice(i + 1).map((other) => (nodes[i] as DhtNode).network.connect(other.network.addresses()[0]!)),
    )
  }
  await waitFor(() =>
    nodes.every((n) => n.dht.knownPeers().filter((p) => p.summary !== undefined).length === nodes.length - 1),
  )
}

/** Stops DHTs and networks, ignoring errors. */
export async function stopAll(nodes: DhtNode[]): Promise<void> {
  await Promise.allSettled(nodes.map((n) => n.dht.stop()))
  await Promise.allSettled(nodes.map((n) => n.network.stop()))
}

/** A seeded PRNG (mulberry32) and a standard normal sampler over it. */
export function prng(seed: number): { uniform: () => number; normal: () => number } {
  const uniform = mulberry32(seed)
  const normal = () => Math.sqrt(-2 * Math.log(uniform() || 1e-12)) * Math.cos(2 * Math.PI * uniform())
  return { uniform, normal }
}

/** The CID string of a raw block holding `label`. */
export function cidFor(label: string): string {
  return cidOf(new TextEncoder().encode(label), 0x55).toString()
}

/** One labelled vector of a clustered data set. */
export interface Item {
  readonly cid: string
  readonly vector: Float32Array
  readonly cluster: number
}

/** `clusters` Gaussian blobs of `perCluster` points each (centres spread ±10 per axis, points σ = `spread`). */
export function clusteredData(clusters: number, perCluster: number, dimension: number, spread = 1, seed = 7): Item[] {
  const r = prng(seed)
  const items: Item[] = []
  for (let c = 0; c < clusters; c++) {
    const centre = Float32Array.from({ length: dimension }, () => (r.uniform() * 2 - 1) * 10)
    for (let i = 0; i < perCluster; i++) {
      const vector = Float32Array.from(centre, (x) => x + r.normal() * spread)
      items.push({ cid: cidFor(`item-${seed}-${c}-${i}`), vector, cluster: c })
    }
  }
  return items
}

/** A query near the centre of an item's cluster (the item plus small noise). */
export function queryNear(item: Item, noise: number, seed: number): Float32Array {
  const r = prng(seed)
  return Float32Array.from(item.vector, (x) => x + r.normal() * noise)
}

/** |got ∩ truth| / |truth| over CIDs. */
export function recall(got: Array<{ cid: string }>, truth: Array<{ cid: string }>): number {
  const g = new Set(got.map((h) => h.cid))
  return truth.length === 0 ? 1 : truth.filter((h) => g.has(h.cid)).length / truth.length
}

/** Deterministic pseudo-random vectors in [-1, 1) (xorshift from `seed`). */
export function vec(seed: number, d = 16): Float32Array {
  let x = (seed * 2654435761) >>> 0 || 1
  return Float32Array.from({ length: d }, () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return ((x >>> 0) / 2 ** 32) * 2 - 1
  })
}
