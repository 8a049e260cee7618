/**
 * What a repo config's `Semantic` section makes of the semantic layer: the embedder it names, the store (an HNSW
 * index under `<repo>/semantic`) and the LSH shape of DHT routing; and the keys of an index already on disk, read
 * whichever embedder made it (what a reindex starts from).
 */
import type { NodeConfig } from '@ipfrs/core'
import {
  type Embedder,
  EmbedderUnavailableError,
  FlatIndex,
  HashingTextEmbedder,
  HnswIndex,
  IndexPersistence,
  readEmbedderRecord,
  SemanticStore,
} from '@ipfrs/semantic'
import type { LshShape } from './semantic-network.js'

/** The embedder `config.Semantic` names; the model's package is loaded only when the config picks it. */
async function embedderFor(c: NodeConfig['Semantic']): Promise<Embedder> {
  if (c.Embedder !== 'use') return new HashingTextEmbedder({ dimension: c.Dimension })
  try {
    const { UseEmbedder } = await import('@ipfrs/embedder-use')
    return new UseEmbedder({ workers: c.EmbedWorkers })
  } catch (err) {
    throw new EmbedderUnavailableError(
      `@ipfrs/embedder-use cannot be loaded (${(err as Error).message}); set Semantic.Embedder to "hashing"`,
      { cause: err },
    )
  }
}

/** A (not yet started) store in `dir` with the embedder and HNSW parameters `c` names. */
export async function openStore(dir: string, c: NodeConfig['Semantic']): Promise<SemanticStore> {
  return new SemanticStore({
    dir,
    embedder: await embedderFor(c),
    index: new HnswIndex({
      dimension: c.Dimension,
      metric: c.Metric,
      M: c.M,
      efConstruction: c.EfConstruction,
      efSearch: c.EfSearch,
    }),
  })
}

/**
 * The keys of the index in `dir` as it is: the started store's, else read from disk with the dimension of the
 * embedder that made it (another one than the config's, after a change of embedder).
 */
export async function savedKeys(
  store: SemanticStore,
  dir: string,
  metric: NodeConfig['Semantic']['Metric'],
): Promise<string[]> {
  if (store.isStarted) return [...store.index.entries()].map(([key]) => key)
  const recorded = await readEmbedderRecord(dir)
  if (recorded === undefined) return []
  const index = new FlatIndex({ dimension: recorded.dimension, metric })
  try {
    await new IndexPersistence({ dir }).loadIndexWithDelta(index)
  } catch {
    return [] // a damaged old index: the documents list is all there is to go on
  }
  return [...index.entries()].map(([key]) => key)
}

/** The LSH shape from `Semantic.Lsh*` (a config validated by core has them all; a partial one keeps the defaults). */
export function lshShape(c: Partial<NodeConfig['Semantic']>): LshShape {
  return {
    ...(c.LshTables === undefined ? {} : { tables: c.LshTables }),
    ...(c.LshBits === undefined ? {} : { bits: c.LshBits }),
    ...(c.LshProbes === undefined ? {} : { probes: c.LshProbes }),
    ...(c.LshReplicas === undefined ? {} : { replicas: c.LshReplicas }),
  }
}
