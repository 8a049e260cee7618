/**
 * From a document's bytes to the pieces an embedder sees: its text (plain text and markdown as they are, HTML without
 * its tags, scripts and styles, JSON as its keys and string values) cut into chunks of about a paragraph. A sentence
 * encoder's window is a few hundred words; one vector per whole document would blur everything past the first
 * paragraph into an average.
 */

/** The kinds of document whose text is indexed. */
export type DocumentKind = 'text' | 'markdown' | 'html' | 'json'

/** A document's text, or why it has none. */
export type ExtractedText = { kind: DocumentKind; text: string } | { kind: 'binary'; reason: string }

/** One chunk: its text and where it starts in the extracted text (in UTF-16 code units). */
export interface TextChunk {
  readonly offset: number
  readonly text: string
}

/** Options of chunkText. */
export interface ChunkOptions {
  /** A chunk grows by whole paragraphs up to this many characters; a longer paragraph is cut at sentences. Default 600. */
  readonly maxChars?: number
  /** Stop after this many chunks. Default 256. */
  readonly maxChunks?: number
}

/**
 * Decodes `bytes` as UTF-8 and extracts its text by kind (from `name`'s extension when given, else sniffed). Bytes
 * that are not UTF-8, or hold NULs, are binary. `truncated`: the bytes are a prefix, so a cut character at the end
 * is dropped instead of failing the decode.
 */
export function extractText(bytes: Uint8Array, options: { name?: string; truncated?: boolean } = {}): ExtractedText {
  if (bytes.includes(0)) return { kind: 'binary', reason: 'it contains NUL bytes' }
  let raw: string
  try {
    raw = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: options.truncated === true })
  } catch {
    return { kind: 'binary', reason: 'it is not UTF-8 text' }
  }
  const sniffed = sniff(raw, options.name)
  if (sniffed.kind === 'html') return { kind: 'html', text: htmlText(raw) }
  if (sniffed.kind === 'json') return { kind: 'json', text: jsonText(sniffed.value) }
  return { kind: sniffed.kind, text: raw }
}

/** The document's kind, from `name`'s extension or its first bytes; JSON is parsed once, here, to tell it apart. */
function sniff(raw: string, name?: string): { kind: Exclude<DocumentKind, 'json'> } | { kind: 'json'; value: unknown } {
  const ext = /\.([a-z0-9]+)$/i.exec(name ?? '')?.[1]?.toLowerCase()
  if (ext === 'html' || ext === 'htm') return { kind: 'html' }
  if (ext === 'md' || ext === 'markdown') return { kind: 'markdown' }
  const head = raw.trimStart().slice(0, 512).toLowerCase()
  const htmlHead = head.startsWith('<!doctype html') || head.startsWith('<html') || /<(body|p|div|h1)[\s>]/.test(head)
  if (ext !== 'json' && htmlHead) return { kind: 'html' }
  if (ext === 'json' || head.startsWith('{') || head.startsWith('[')) {
    try {
      return { kind: 'json', value: JSON.parse(raw) }
    } catch {
      if (ext === 'json') return { kind: 'text' } // a truncated or malformed JSON file is still text
    }
  }
  if (/^#{1,6} |^\s*[-*] |\]\(|```/m.test(raw.slice(0, 4096))) return { kind: 'markdown' }
  return { kind: 'text' }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }

/** The visible text of an HTML document: no scripts, styles or tags; block elements end paragraphs. */
function htmlText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style|noscript|template)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<\/?(p|div|h[1-6]|li|ul|ol|br|tr|table|section|article|header|footer|blockquote|pre)\b[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1))
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : m
      }
      return ENTITIES[e.toLowerCase()] ?? m
    })
    .replace(/[ \t\r\f\v]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

/** Keys and string values of a JSON value, one "key: value" line per string, objects as paragraphs. */
function jsonText(value: unknown): string {
  const lines: string[] = []
  const walk = (v: unknown, key: string) => {
    if (typeof v === 'string') lines.push(key ? `${key}: ${v}` : v)
    else if (Array.isArray(v)) for (const x of v) walk(x, key)
    else if (v != null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, k)
      lines.push('')
    }
  }
  walk(value, '')
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

/**
 * Cuts `text` into chunks of whole paragraphs (blank-line separated) of at most `maxChars`, merging short ones (a
 * markdown heading always starts a chunk); a
 * paragraph longer than that is cut at sentence ends (or, lacking them, at `maxChars`). Chunks with no letter or
 * digit are dropped.
 */
export function chunkText(text: string, options: ChunkOptions = {}): TextChunk[] {
  const max = options.maxChars ?? 600
  const maxChunks = options.maxChunks ?? 256
  const pieces: TextChunk[] = []
  const para = /[^\n]+(?:\n(?!\s*\n)[^\n]*)*/g // runs of lines without a blank line between them
  for (const m of text.matchAll(para)) {
    for (const piece of splitLong(m[0], max)) pieces.push({ offset: m.index + piece.offset, text: piece.text })
  }
  const chunks: TextChunk[] = []
  let cur: { offset: number; end: number } | undefined
  const flush = () => {
    if (cur === undefined) return
    const t = text.slice(cur.offset, cur.end).trim()
    if (/[\p{L}\p{N}]/u.test(t)) chunks.push({ offset: cur.offset, text: t })
    cur = undefined
  }
  for (const p of pieces) {
    const end = p.offset + p.text.length
    // a markdown heading starts a new chunk: it names what follows, not what came before
    if (cur !== undefined && (end - cur.offset > max || /^#{1,6} /.test(p.text))) flush()
    if (cur === undefined) cur = { offset: p.offset, end }
    else cur.end = end
    if (chunks.length >= maxChunks) break
  }
  flush()
  return chunks.slice(0, maxChunks)
}

function splitLong(paragraph: string, max: number): TextChunk[] {
  if (paragraph.length <= max) return [{ offset: 0, text: paragraph }]
  const out: TextChunk[] = []
  let start = 0
  while (start < paragraph.length) {
    let end = Math.min(paragraph.length, start + max)
    if (end < paragraph.length) {
      const window = paragraph.slice(start, end)
      const cut = Math.max(window.lastIndexOf('. '), window.lastIndexOf('! '), window.lastIndexOf('? '))
      if (cut > max / 3) end = start + cut + 1
      else {
        const space = window.lastIndexOf(' ')
        if (space > max / 3) end = start + space
      }
    }
    out.push({ offset: start, text: paragraph.slice(start, end) })
    start = end
    while (paragraph[start] === ' ') start++
  }
  return out
}

/** The first `max` characters of a chunk on one line, cut at a word, with an ellipsis when cut. */
export function snippetOf(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  if (flat.length <= max) return flat
  const cut = flat.lastIndexOf(' ', max)
  return `${flat.slice(0, cut > max / 2 ? cut : max)}…`
}
