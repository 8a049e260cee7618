/**
 * The file format of `saveSemanticIndex(path)` / `loadSemanticIndex(path)`: one UTF-8 JSON document
 * `{ "format": "ipfrs-semantic-index/1", "dimension": n, "metric": "cosine", "entries": [[cid, [numbers...]], ...] }`.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import { InvalidIndexFileError } from './errors.js'

/** The `format` value of an exported semantic index. */
export const INDEX_FILE_FORMAT = 'ipfrs-semantic-index/1'

/** An exported semantic index in memory. */
export interface IndexFile {
  dimension: number
  metric: string
  entries: Array<[string, Float32Array]>
}

/** Writes `index` to `path` atomically (a temp file, then a rename). */
export async function writeIndexFile(path: string, index: IndexFile): Promise<void> {
  const doc = {
    format: INDEX_FILE_FORMAT,
    dimension: index.dimension,
    metric: index.metric,
    entries: index.entries.map(([cid, v]) => [cid, Array.from(v)]),
  }
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(doc))
  await rename(tmp, path)
}

/** Reads and validates an exported index; anything else is `ERR_INVALID_INDEX_FILE`. */
export async function readIndexFile(path: string): Promise<IndexFile> {
  let doc: unknown
  try {
    doc = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new InvalidIndexFileError(path, (err as Error).message, { cause: err })
  }
  if (typeof doc !== 'object' || doc === null) throw new InvalidIndexFileError(path, 'not a JSON object')
  const d = doc as Record<string, unknown>
  if (d.format !== INDEX_FILE_FORMAT) throw new InvalidIndexFileError(path, `format is not ${INDEX_FILE_FORMAT}`)
  if (typeof d.dimension !== 'number' || typeof d.metric !== 'string' || !Array.isArray(d.entries)) {
    throw new InvalidIndexFileError(path, 'dimension, metric or entries missing')
  }
  const entries: Array<[string, Float32Array]> = []
  for (const e of d.entries) {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || !Array.isArray(e[1]) || e[1].length !== d.dimension) {
      throw new InvalidIndexFileError(path, 'an entry is not [cid, vector of the dimension]')
    }
    entries.push([e[0], Float32Array.from(e[1] as number[])])
  }
  return { dimension: d.dimension, metric: d.metric, entries }
}
