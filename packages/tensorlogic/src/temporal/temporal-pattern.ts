/**
 * Temporal patterns: a sequence of steps, each an event test (types or wildcard, attribute conditions, a predicate)
 * with a repetition range and an optional gap limit, plus a whole-match window. Built with `pattern()` or parsed from
 * text with `parsePattern`:
 *
 *   login _* purchase[amount > 100]{1,3} logout? within 10m gap 30s
 *
 * `_` is any event, `(a|b)` either type, `[k op v, ...]` attribute conditions (`= != < <= > >=`, numbers, quoted
 * strings, true/false), quantifiers `+ * ? {n} {n,} {n,m}`, `within D` bounds first-to-last, `gap D` bounds
 * consecutive matched events (durations in ms, s, m or h; a bare number is ms).
 */
import { InvalidPatternError } from './temporal-errors.js'

/** An event in the stream: a type, a time in milliseconds, and attributes. */
export interface TemporalEvent {
  readonly type: string
  readonly time: number
  readonly attrs?: Readonly<Record<string, unknown>>
}

/** A completed match: the matched events in order, and the times of the first and last. */
export interface Match {
  readonly events: readonly TemporalEvent[]
  readonly start: number
  readonly end: number
}

/** A comparison in an attribute condition. */
export type Comparison = '=' | '!=' | '<' | '<=' | '>' | '>='

/** `attrs[attr] op value`; `<`-style comparisons hold only between two numbers or two strings. */
export interface AttrCondition {
  readonly attr: string
  readonly op: Comparison
  readonly value: string | number | boolean
}

/** One step of a pattern: which events it takes, and how many in a row (max may be Infinity). */
export interface PatternStep {
  /** Accepted event types; `null` accepts any event. */
  readonly types: readonly string[] | null
  readonly conditions: readonly AttrCondition[]
  readonly where?: (event: TemporalEvent) => boolean
  readonly min: number
  readonly max: number
  /** Most milliseconds between the previous matched event and an event this step takes. */
  readonly maxGap?: number
}

/** A sequence of steps with optional time bounds (milliseconds). */
export interface Pattern {
  readonly steps: readonly PatternStep[]
  /** The whole match (first to last event) lies within this many ms. */
  readonly within?: number
  /** Consecutive matched events are at most this many ms apart. */
  readonly maxGap?: number
}

const MAX_REPEAT = 100_000

/** Checks a pattern's numbers; throws `ERR_INVALID_PATTERN`. */
export function validatePattern(p: Pattern): Pattern {
  if (!Array.isArray(p.steps) || p.steps.length === 0)
    throw new InvalidPatternError('a pattern needs at least one step')
  const ms = (v: number | undefined, what: string) => {
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && !Number.isNaN(v)))
      throw new InvalidPatternError(`${what} must be a non-negative number of ms`)
  }
  ms(p.within, 'within')
  ms(p.maxGap, 'gap')
  p.steps.forEach((s, i) => {
    const ok =
      Number.isInteger(s.min) &&
      s.min >= 0 &&
      s.min <= MAX_REPEAT &&
      (s.max === Number.POSITIVE_INFINITY || (Number.isInteger(s.max) && s.max <= MAX_REPEAT)) &&
      s.max >= Math.max(1, s.min)
    if (!ok) throw new InvalidPatternError(`step ${i} repeats {${s.min},${s.max}}`)
    if (
      s.types !== null &&
      (!Array.isArray(s.types) || s.types.some((t: unknown) => typeof t !== 'string' || t === ''))
    )
      throw new InvalidPatternError(`step ${i} has a bad event type`)
    ms(s.maxGap, `step ${i} gap`)
  })
  return p
}

/** Fluent construction of a `Pattern`; quantifiers and conditions apply to the step added last. */
export class PatternBuilder {
  readonly #steps: PatternStep[] = []
  #within: number | undefined
  #maxGap: number | undefined

  /** Adds a step taking events of `type` (or any of several types). */
  event(type: string | readonly string[]): this {
    this.#steps.push({ types: typeof type === 'string' ? [type] : [...type], conditions: [], min: 1, max: 1 })
    return this
  }

  /** Adds a step taking any event. */
  any(): this {
    this.#steps.push({ types: null, conditions: [], min: 1, max: 1 })
    return this
  }

  /** Adds a predicate to the last step (combined with AND). */
  where(predicate: (event: TemporalEvent) => boolean): this {
    const last = this.#last('where')
    const prev = last.where
    this.#replace({ ...last, where: prev === undefined ? predicate : (e) => prev(e) && predicate(e) })
    return this
  }

  /** Adds an attribute condition to the last step. */
  attr(attr: string, op: Comparison, value: string | number | boolean): this {
    const last = this.#last('attr')
    this.#replace({ ...last, conditions: [...last.conditions, { attr, op, value }] })
    return this
  }

  /** The last step repeats between `min` and `max` times (`max` may be Infinity). */
  times(min: number, max: number = min): this {
    this.#replace({ ...this.#last('times'), min, max })
    return this
  }

  /** `+`: one or more. */
  oneOrMore(): this {
    return this.times(1, Number.POSITIVE_INFINITY)
  }

  /** `*`: zero or more. */
  zeroOrMore(): this {
    return this.times(0, Number.POSITIVE_INFINITY)
  }

  /** `?`: zero or one. */
  optional(): this {
    return this.times(0, 1)
  }

  /** Events the last step takes come at most `ms` after the previous matched event. */
  gapBefore(ms: number): this {
    this.#replace({ ...this.#last('gapBefore'), maxGap: ms })
    return this
  }

  /** The whole match lies within `ms`. */
  within(ms: number): this {
    this.#within = ms
    return this
  }

  /** Consecutive matched events are at most `ms` apart. */
  maxGap(ms: number): this {
    this.#maxGap = ms
    return this
  }

  /** The validated pattern. */
  build(): Pattern {
    const p: Pattern = { steps: [...this.#steps], within: this.#within, maxGap: this.#maxGap }
    return validatePattern(p)
  }

  #last(what: string): PatternStep {
    const last = this.#steps.at(-1)
    if (last === undefined) throw new InvalidPatternError(`${what}() before any step`)
    return last
  }

  #replace(step: PatternStep): void {
    this.#steps[this.#steps.length - 1] = step
  }
}

/** Starts building a pattern. */
export function pattern(): PatternBuilder {
  return new PatternBuilder()
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const TOKEN =
  /\s*(?:(-?\d+(?:\.\d+)?)(ms|s|m|h)?(?![\w])|([A-Za-z][\w.:-]*)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(<=|>=|!=|[<>=_+*?{}[\](),|]))/y

interface Token {
  kind: 'num' | 'word' | 'str' | 'sym'
  text: string
  value: number | string
  pos: number
}

function tokenize(text: string): Token[] {
  const out: Token[] = []
  TOKEN.lastIndex = 0
  let pos = 0
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break
    TOKEN.lastIndex = pos
    const m = TOKEN.exec(text)
    if (m === null) throw new InvalidPatternError(`unexpected "${text.slice(pos).trimStart().slice(0, 10)}"`, pos)
    const at = pos + (m[0].length - m[0].trimStart().length)
    if (m[1] !== undefined)
      out.push({ kind: 'num', text: m[1] + (m[2] ?? ''), value: Number(m[1]) * UNITS[m[2] ?? 'ms']!, pos: at })
    else if (m[3] !== undefined) out.push({ kind: 'word', text: m[3], value: m[3], pos: at })
    else if (m[4] !== undefined)
      out.push({ kind: 'str', text: m[4], value: m[4].slice(1, -1).replace(/\\(.)/g, '$1'), pos: at })
    else out.push({ kind: 'sym', text: m[5]!, value: m[5]!, pos: at })
    pos = TOKEN.lastIndex
  }
  return out
}

/** Parses the text form of a pattern (see the module comment); throws `ERR_INVALID_PATTERN` with a position. */
export function parsePattern(text: string): Pattern {
  if (typeof text !== 'string') throw new InvalidPatternError('pattern text must be a string')
  const toks = tokenize(text)
  let i = 0
  const peek = () => toks[i]
  const fail = (what: string): never => {
    throw new InvalidPatternError(what, peek()?.pos ?? text.length)
  }
  const sym = (s: string) => {
    if (peek()?.kind === 'sym' && peek()?.text === s) {
      i++
      return true
    }
    return false
  }
  const expect = (s: string) => sym(s) || fail(`expected "${s}"`)
  const int = (): number => {
    const t = peek()
    if (t?.kind !== 'num' || !/^\d+$/.test(t.text)) return fail('expected a whole number')
    i++
    return t.value as number
  }
  const steps: PatternStep[] = []
  let within: number | undefined
  let maxGap: number | undefined
  while (i < toks.length) {
    const t = peek()!
    if (t.kind === 'word' && (t.text === 'within' || t.text === 'gap')) {
      i++
      const d = peek()
      if (d?.kind !== 'num') fail(`expected a duration after ${t.text}`)
      i++
      if (t.text === 'within') within = d!.value as number
      else maxGap = d!.value as number
      continue
    }
    if (within !== undefined || maxGap !== undefined) fail('steps must come before within/gap')
    let types: string[] | null
    if (sym('_')) types = null
    else if (sym('(')) {
      types = []
      do {
        const w = peek()
        if (w?.kind !== 'word') fail('expected an event type')
        types.push(w!.text)
        i++
      } while (sym('|'))
      expect(')')
    } else if (t.kind === 'word') {
      types = [t.text]
      i++
    } else return fail(`unexpected "${t.text}"`)
    const conditions: AttrCondition[] = []
    if (sym('[')) {
      do {
        const a = peek()
        if (a?.kind !== 'word') fail('expected an attribute name')
        i++
        const op = peek()
        if (op?.kind !== 'sym' || !['=', '!=', '<', '<=', '>', '>='].includes(op.text)) fail('expected a comparison')
        i++
        const v = peek()
        if (v === undefined || v.kind === 'sym') return fail('expected a value')
        i++
        const value =
          v.kind === 'word'
            ? v.text === 'true'
              ? true
              : v.text === 'false'
                ? false
                : v.text
            : v.kind === 'num'
              ? Number(v.text)
              : v.value
        if (v.kind === 'num' && !/^-?\d+(\.\d+)?$/.test(v.text)) fail('a number value takes no unit')
        conditions.push({ attr: a!.text, op: op!.text as Comparison, value })
      } while (sym(','))
      expect(']')
    }
    let min = 1
    let max = 1
    if (sym('+')) max = Number.POSITIVE_INFINITY
    else if (sym('*')) [min, max] = [0, Number.POSITIVE_INFINITY]
    else if (sym('?')) min = 0
    else if (sym('{')) {
      min = int()
      max = min
      if (sym(',')) max = peek()?.kind === 'num' ? int() : Number.POSITIVE_INFINITY
      expect('}')
    }
    steps.push({ types, conditions, min, max })
  }
  return validatePattern({ steps, within, maxGap })
}
