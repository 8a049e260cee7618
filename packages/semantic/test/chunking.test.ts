import { describe, expect, it } from 'vitest'
import { chunkText, extractText, snippetOf } from '../src/chunking.js'

const bytes = (s: string) => new TextEncoder().encode(s)

describe('extractText', () => {
  it('reads plain text and markdown as they are', () => {
    expect(extractText(bytes('just words here'))).toEqual({ kind: 'text', text: 'just words here' })
    expect(extractText(bytes('# Title\n\n- item'))).toMatchObject({ kind: 'markdown' })
    expect(extractText(bytes('words'), { name: 'notes.md' })).toMatchObject({ kind: 'markdown' })
  })

  it('keeps only the visible text of HTML, with entities decoded and block elements as paragraphs', () => {
    const r = extractText(
      bytes(
        '<!doctype html><title>T</title><script>alert("x")</script><style>b{}</style><p>One &amp; two</p><div>Three&#33; &#x41;</div>',
      ),
    )
    expect(r).toEqual({ kind: 'html', text: 'T\n\nOne & two\n\nThree! A' })
  })

  it('reads JSON as its keys and string values', () => {
    expect(extractText(bytes('{"title":"Whales","tags":["sea","song"],"n":3,"inner":{"note":"deep"}}'))).toEqual({
      kind: 'json',
      text: 'title: Whales\ntags: sea\ntags: song\nnote: deep',
    })
  })

  it('calls NUL bytes and invalid UTF-8 binary, and drops a character cut at the end of a prefix', () => {
    expect(extractText(new Uint8Array([0x41, 0, 0x42]))).toMatchObject({ kind: 'binary' })
    expect(extractText(new Uint8Array([0xff, 0xfe, 0x41]))).toMatchObject({ kind: 'binary' })
    const cut = bytes('héllo').subarray(0, 2) // 'h' and the first byte of 'é'
    expect(extractText(cut, { truncated: true })).toEqual({ kind: 'text', text: 'h' })
  })
})

describe('chunkText', () => {
  it('merges short paragraphs, starts a chunk at a markdown heading, and gives offsets into the text', () => {
    const text = 'Alpha one.\n\nAlpha two.\n\n## Beta\n\nBeta body.'
    const chunks = chunkText(text)
    expect(chunks.map((c) => c.text)).toEqual(['Alpha one.\n\nAlpha two.', '## Beta\n\nBeta body.'])
    for (const c of chunks) expect(text.slice(c.offset, c.offset + c.text.length)).toBe(c.text)
  })

  it('cuts a long paragraph at sentence ends, each chunk at most maxChars', () => {
    const para = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} says something.`).join(' ')
    const chunks = chunkText(para, { maxChars: 200 })
    expect(chunks.length).toBeGreaterThan(5)
    for (const c of chunks) {
      expect(c.text.length).toBeLessThanOrEqual(200)
      expect(c.text).toMatch(/\.$/)
      expect(para.slice(c.offset, c.offset + c.text.length)).toBe(c.text)
    }
  })

  it('drops chunks without letters or digits and stops at maxChunks', () => {
    expect(chunkText('---\n\n***\n\n')).toEqual([])
    expect(chunkText('a.\n\n'.repeat(50), { maxChars: 2, maxChunks: 3 })).toHaveLength(3)
  })

  it('makes one-line snippets cut at a word', () => {
    expect(snippetOf('a  b\nc')).toBe('a b c')
    expect(snippetOf('word '.repeat(100), 20)).toBe('word word word word…')
  })
})
