/**
 * The documents of a node's semantic index: for each CID indexed as text, what it was read as and its chunks (where
 * each starts in the text and a snippet of it). The index holds one vector per chunk under `<cid>` (the first) and
 * `<cid>#<offset>` (the others); this file is how a hit becomes "CID + best chunk", how a CID's chunks are all
 * removed, and which CIDs `reindex` embeds again. Kept as documents.json beside the index, saved with it.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** One chunk of an indexed document. */
export interface DocumentChunk {
  readonly offset: number
  readonly snippet: string
}

/** An indexed document. */
export interface IndexedDocument {
  readonly kind: string
  readonly chunks: readonly DocumentChunk[]
}

const FILE = 'documents.json'

/** The index key of a document's chunk: the CID itself for the first, `<cid>#<offset>` for the others. */
export function chunkKey(cid: string, index: number, offset: number): string {
  return index === 0 ? cid : `${cid}#${offset}`
}

/** The CID of an index key (`<cid>` or `<cid>#<offset>`). */
export function cidOfKey(key: string): string {
  const i = key.indexOf('#')
  return i < 0 ? key : key.slice(0, i)
}

/** The indexed documents, loaded from and saved to `dir`. */
export class SemanticDocuments {
  readonly #dir: string
  readonly #docs = new Map<string, IndexedDocument>()
  #dirty = false

  constructor(dir: string) {
    this.#dir = dir
  }

  /** Loads documents.json (none yet: empty). A damaged file is set aside and the documents start empty. */
  async load(): Promise<void> {
    let text: string
    try {
      text = await readFile(join(this.#dir, FILE), 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw err
    }
    try {
      for (const [cid, doc] of Object.entries(JSON.parse(text) as Record<string, IndexedDocument>)) {
        this.#docs.set(cid, doc)
      }
    } catch {
      this.#docs.clear()
      await rename(join(this.#dir, FILE), join(this.#dir, `${FILE}.corrupt-${Date.now()}`))
    }
  }

  /** Writes documents.json when something changed (temp file, then rename). */
  async save(): Promise<void> {
    if (!this.#dirty) return
    const tmp = join(this.#dir, `${FILE}.tmp`)
    await writeFile(tmp, JSON.stringify(Object.fromEntries(this.#docs)))
    await rename(tmp, join(this.#dir, FILE))
    this.#dirty = false
  }

  get size(): number {
    return this.#docs.size
  }

  get(cid: string): IndexedDocument | undefined {
    return this.#docs.get(cid)
  }

  set(cid: string, doc: IndexedDocument): void {
    this.#docs.set(cid, doc)
    this.#dirty = true
  }

  delete(cid: string): boolean {
    const had = this.#docs.delete(cid)
    if (had) this.#dirty = true
    return had
  }

  cids(): string[] {
    return [...this.#docs.keys()]
  }

  /** Every index key of `cid`'s chunks. */
  keysOf(cid: string): string[] {
    return (this.#docs.get(cid)?.chunks ?? []).map((c, i) => chunkKey(cid, i, c.offset))
  }

  /** The chunk an index key names. */
  chunkOf(key: string): DocumentChunk | undefined {
    const cid = cidOfKey(key)
    const chunks = this.#docs.get(cid)?.chunks
    if (chunks === undefined) return undefined
    if (key === cid) return chunks[0]
    const offset = Number(key.slice(cid.length + 1))
    return chunks.find((c) => c.offset === offset)
  }
}
