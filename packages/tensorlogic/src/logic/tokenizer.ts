import { ParseError } from './errors.js'

const SYMBOL = new Set('+-*/\\^<>=~:.?@#&$')
const ALNUM = /[A-Za-z0-9_]/
const MAX_TEXT = 64 * 1024 * 1024

/** What a token is: `end` is a clause's final `.`. */
type TokKind = 'name' | 'var' | 'int' | 'float' | 'str' | 'punct' | 'end' | 'eof'
/** One token and where it starts (1-based line and column). */
export interface Token {
  kind: TokKind
  text: string
  value?: bigint | number
  quoted?: boolean
  /** Whitespace or a comment came right before this token. */
  layout: boolean
  line: number
  col: number
}

/** Splits text into tokens; throws ParseError on an unterminated quote or comment or a bad character. */
export function tokenize(src: string): Token[] {
  if (src.length > MAX_TEXT) throw new ParseError('text too large', 1, 1)
  const toks: Token[] = []
  let i = 0
  let line = 1
  let lineStart = 0
  const fail = (msg: string, at = i): never => {
    let l = 1
    let ls = 0
    for (let k = 0; k < at; k++) {
      if (src[k] === '\n') {
        l++
        ls = k + 1
      }
    }
    throw new ParseError(msg, l, at - ls + 1)
  }
  while (true) {
    let layout = false
    for (;;) {
      const c = src[i]
      if (c === '\n') {
        line++
        lineStart = ++i
        layout = true
      } else if (c === ' ' || c === '\t' || c === '\r') {
        i++
        layout = true
      } else if (c === '%') {
        while (i < src.length && src[i] !== '\n') i++
        layout = true
      } else if (c === '/' && src[i + 1] === '*') {
        const end = src.indexOf('*/', i + 2)
        if (end < 0) fail('unterminated block comment')
        for (let k = i; k < end; k++) {
          if (src[k] === '\n') {
            line++
            lineStart = k + 1
          }
        }
        i = end + 2
        layout = true
      } else break
    }
    const start = i
    const tok = (kind: TokKind, text: string, extra: Partial<Token> = {}): void => {
      toks.push({ kind, text, layout, line, col: start - lineStart + 1, ...extra })
    }
    if (i >= src.length) {
      tok('eof', '')
      return toks
    }
    const c = src[i] as string
    if (c === '0' && src[i + 1] === "'") {
      const m = /^0'(\\[ntr\\'"`]|''|[^\\\n])/u.exec(src.slice(i, i + 8))
      if (!m) fail('bad character code')
      const body = (m as RegExpExecArray)[1] as string
      const ch =
        body.length === 2
          ? (({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[body[1] as string] ?? body[1])
          : body
      i += (m as RegExpExecArray)[0].length
      tok('int', (m as RegExpExecArray)[0], { value: BigInt((ch as string).codePointAt(0) as number) })
    } else if (/[0-9]/.test(c)) {
      const m = /^(?:0x[0-9a-fA-F]+|0o[0-7]+|0b[01]+)/.exec(src.slice(i, i + 200))
      if (m) {
        i += m[0].length
        tok('int', m[0], { value: BigInt(m[0]) })
        continue
      }
      const n = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?(Inf|NaN)?/.exec(src.slice(i, i + 400)) as RegExpExecArray
      i += n[0].length
      if (n[1] === undefined && n[2] === undefined) tok('int', n[0], { value: BigInt(n[0]) })
      else if (n[3] === 'Inf') tok('float', n[0], { value: Number.POSITIVE_INFINITY })
      else if (n[3] === 'NaN') tok('float', n[0], { value: Number.NaN })
      else tok('float', n[0], { value: Number(n[0]) })
    } else if (c === '_' || (c >= 'A' && c <= 'Z')) {
      while (i < src.length && ALNUM.test(src[i] as string)) i++
      tok('var', src.slice(start, i))
    } else if (c >= 'a' && c <= 'z') {
      while (i < src.length && ALNUM.test(src[i] as string)) i++
      tok('name', src.slice(start, i))
    } else if (c === "'" || c === '"') {
      i++
      let out = ''
      for (;;) {
        if (i >= src.length) fail('unterminated quoted text', start)
        const d = src[i] as string
        if (d === c) {
          if (src[i + 1] !== c) break
          out += c
          i += 2
          continue
        } else if (d === '\\') {
          const e = src[i + 1]
          i += 2
          const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v' }
          if (e === undefined) fail('unterminated escape', i - 2)
          else if (e === '\n') {
            line++
            lineStart = i
          } else if (simple[e] !== undefined) out += simple[e]
          else if (e === '0' && src[i] !== '\\' && !/[0-7]/.test(src[i] ?? '')) out += '\0'
          else if (e === 'x' || /[0-7]/.test(e)) {
            const m = (e === 'x' ? /^([0-9a-fA-F]+)\\/ : /^([0-7]*)\\/).exec(src.slice(i, i + 10))
            if (!m) fail('bad character escape', i - 2)
            const code = Number.parseInt((e === 'x' ? '' : e) + (m as RegExpExecArray)[1], e === 'x' ? 16 : 8)
            if (code > 0x10ffff) fail('bad character escape', i - 2)
            out += String.fromCodePoint(code)
            i += (m as RegExpExecArray)[0].length
          } else if (e === '\\' || e === "'" || e === '"' || e === '`') out += e
          else fail(`unknown escape \\${e}`, i - 2)
          continue
        } else if (d === '\n') fail('newline in quoted text', i)
        else out += d
        i++
      }
      i++
      tok(c === '"' ? 'str' : 'name', out, { quoted: true })
    } else if ('()[]{},|'.includes(c)) {
      i++
      tok('punct', c)
    } else if (c === '!' || c === ';') {
      i++
      tok('name', c)
    } else if (SYMBOL.has(c)) {
      while (i < src.length && SYMBOL.has(src[i] as string)) i++
      const text = src.slice(start, i)
      if (text === '.' && (i >= src.length || /[\s%]/.test(src[i] as string))) tok('end', '.')
      else tok('name', text)
    } else fail(`unexpected character ${JSON.stringify(c)}`)
  }
}
