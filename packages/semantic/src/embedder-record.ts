/**
 * embedder.json in a persistent index's directory: which embedder (id, dimension) made its vectors. A store refuses
 * to open an index another embedder made (EmbedderMismatchError): vectors of two models are not comparable.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Embedder } from './embedder.js'
import { CorruptSnapshotError, type EmbedderRecord } from './errors.js'

const FILE = 'embedder.json'

/** The record of `embedder` (an embedder without an id is named by its dimension). */
export function recordOf(embedder: Embedder): EmbedderRecord {
  return { id: embedder.id ?? `unnamed/${embedder.dimension}`, dimension: embedder.dimension }
}

/** The record in `dir`, or undefined when there is none (a new index, or one from before records). */
export async function readEmbedderRecord(dir: string): Promise<EmbedderRecord | undefined> {
  let text: string
  try {
    text = await readFile(join(dir, FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  try {
    const r = JSON.parse(text) as EmbedderRecord
    if (typeof r.id !== 'string' || !Number.isInteger(r.dimension)) throw new Error('missing id or dimension')
    return { id: r.id, dimension: r.dimension }
  } catch (err) {
    throw new CorruptSnapshotError(join(dir, FILE), (err as Error).message, { cause: err })
  }
}

/** Writes the record atomically (temp file, then rename). */
export async function writeEmbedderRecord(dir: string, record: EmbedderRecord): Promise<void> {
  const tmp = join(dir, `${FILE}.tmp`)
  await writeFile(tmp, `${JSON.stringify(record)}\n`)
  await rename(tmp, join(dir, FILE))
}

/** Whether two records name the same embedder. */
export function sameEmbedder(a: EmbedderRecord, b: EmbedderRecord): boolean {
  return a.id === b.id && a.dimension === b.dimension
}
