// semantic-alone.mjs: @ipfrs/semantic on its own, with no network and no repo.
// An HNSW index (cosine) fed by the offline HashingTextEmbedder: index a few texts under made-up keys, then ask
// for the nearest neighbours of a query, plain and filtered. Everything stays in memory.
// Run: node examples/semantic-alone.mjs   (after `pnpm build`)
import { HashingTextEmbedder, HnswIndex } from '@ipfrs/semantic'

const embedder = new HashingTextEmbedder({ dimension: 256 })
const index = new HnswIndex({ dimension: embedder.dimension, metric: 'cosine' })

const docs = {
  'doc:kademlia': 'Kademlia finds the peers that provide a CID by XOR distance',
  'doc:hnsw': 'HNSW is a layered graph for approximate nearest neighbour search',
  'doc:bitswap': 'Bitswap exchanges blocks between peers that want and have them',
  'doc:arrow': 'Apache Arrow lays tensors out in columns for zero-copy reads',
}
for (const [key, text] of Object.entries(docs)) index.add(key, await embedder.embed(text))
console.log('indexed', index.size, 'documents')

const query = await embedder.embed('graph search for nearest neighbours')
for (const hit of index.searchSimilar(query, 2)) console.log('hit', hit.cid, hit.score.toFixed(3))

const filtered = index.searchFiltered(await embedder.embed('peers and blocks'), 3, { cidPrefix: 'doc:b' })
for (const hit of filtered) console.log('filtered hit', hit.cid, hit.score.toFixed(3))
