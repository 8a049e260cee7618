import { describe, expect, it } from 'vitest'
import { PartialMatchLimitError } from '../src/temporal/temporal-errors.js'
import { type MatcherConfig, TemporalPatternMatcher } from '../src/temporal/temporal-matcher.js'
import {
  type Match,
  type Pattern,
  parsePattern,
  pattern,
  type TemporalEvent,
} from '../src/temporal/temporal-pattern.js'

/** Events from a compact string: "A@0 B@5 C@9" (time after @), optional `:v` attr value ("B:120@5"). */
function events(spec: string): TemporalEvent[] {
  return spec
    .trim()
    .split(/\s+/)
    .map((tok, i) => {
      const [head, at] = tok.split('@') as [string, string | undefined]
      const [type, v] = head.split(':') as [string, string | undefined]
      return { type, time: at === undefined ? i : Number(at), attrs: v === undefined ? { i } : { i, v: Number(v) } }
    })
}

/** Each match as the indexes (attrs.i) of its events, e.g. "0,2,3", sorted. */
const ids = (matches: readonly Match[]) => matches.map((m) => m.events.map((e) => e.attrs?.i).join(',')).sort()

function run(p: Pattern | string, spec: string, config?: MatcherConfig): string[] {
  const m = new TemporalPatternMatcher(p, config)
  return ids([...m.pushAll(events(spec)), ...m.flush()])
}

const STRICT: MatcherConfig = { strategy: 'strict' }
const NEXT: MatcherConfig = { strategy: 'skip-till-next-match' }
const ANY: MatcherConfig = { strategy: 'skip-till-any-match' }

describe('TemporalPatternMatcher', () => {
  it('matches a sequence under each selection strategy', () => {
    expect(run('A B', 'A X B', NEXT)).toEqual(['0,2'])
    expect(run('A B', 'A X B', STRICT)).toEqual([])
    expect(run('A B', 'X A B', STRICT)).toEqual(['1,2'])
    // every A starts a run; under skip-till-next each run takes the first B after it
    expect(run('A B', 'A A B B', NEXT)).toEqual(['0,2', '1,2'])
    expect(run('A B', 'A A B B', ANY)).toEqual(['0,2', '0,3', '1,2', '1,3'])
    expect(run('A B', 'A A B B', STRICT)).toEqual(['1,2'])
  })

  it('matches wildcards, alternatives and attribute predicates', () => {
    expect(run('A _ C', 'A X C', STRICT)).toEqual(['0,1,2'])
    expect(run('A _ C', 'A C', STRICT)).toEqual([])
    expect(run('(A|Z) C', 'Z Q C', NEXT)).toEqual(['0,2'])
    expect(run('A B[v > 100]', 'A B:50 B:150', NEXT)).toEqual(['0,2'])
    expect(run('A B[v >= 50, v != 150]', 'A B:150 B:50', NEXT)).toEqual(['0,2'])
    const p = pattern()
      .event('A')
      .event('B')
      .where((e) => Number(e.attrs?.v) % 2 === 0)
      .build()
    expect(run(p, 'A B:3 B:4', NEXT)).toEqual(['0,2'])
    // string, boolean and quoted values in the text form
    const m = new TemporalPatternMatcher(`login[user = 'bob'] buy[ok = true]`)
    expect(m.push({ type: 'login', time: 1, attrs: { user: 'bob' } })).toEqual([])
    expect(m.push({ type: 'buy', time: 2, attrs: { ok: 'true' } })).toEqual([])
    expect(m.push({ type: 'buy', time: 3, attrs: { ok: true } })).toHaveLength(1)
  })

  it('repeats steps: +, *, ? and {n,m}', () => {
    expect(run('A B+ C', 'A B D B C', NEXT)).toEqual(['0,1,3,4'])
    expect(run('A B+ C', 'A B D B C', ANY)).toEqual(['0,1,3,4', '0,1,4', '0,3,4'])
    expect(run('A B+ C', 'A B B C', STRICT)).toEqual(['0,1,2,3'])
    expect(run('A B+ C', 'A B D B C', STRICT)).toEqual([])
    expect(run('A B* C', 'A C', NEXT)).toEqual(['0,1'])
    expect(run('A B? C', 'A C', NEXT)).toEqual(['0,1'])
    expect(run('A B? C', 'A B C', NEXT)).toEqual(['0,1,2'])
    expect(run('A B{2,3} C', 'A B C', NEXT)).toEqual([])
    expect(run('A B{2,3} C', 'A B B B B C', NEXT)).toEqual(['0,1,2,3,5'])
    // any 2 or 3 of the 4 Bs: C(4,2) + C(4,3) = 10 matches
    expect(run('A B{2,3} C', 'A B B B B C', ANY)).toHaveLength(10)
    // a trailing + emits each longer match as it grows
    expect(run('A B+', 'A B B', NEXT)).toEqual(['0,1', '0,1,2'])
    expect(run('A B{2}', 'A B B B', STRICT)).toEqual(['0,1,2'])
  })

  it('enforces windows and gaps, and expired partials leave memory', () => {
    expect(run('A B within 100', 'A@0 B@150')).toEqual([])
    expect(run('A B within 100', 'A@0 B@100')).toEqual(['0,1'])
    expect(run('A B', 'A@0 B@150', { window: 100 })).toEqual([])
    expect(run('A B C gap 50', 'A@0 B@40 C@100')).toEqual([])
    expect(run('A B C gap 50', 'A@0 B@40 C@80')).toEqual(['0,1,2'])
    const gapB = pattern().event('A').event('B').gapBefore(10).event('C').build()
    expect(run(gapB, 'A@0 B@20 C@1000')).toEqual([])
    expect(run(gapB, 'A@0 B@5 C@1000')).toEqual(['0,1,2'])

    const m = new TemporalPatternMatcher('A B within 10s', NEXT)
    for (let t = 0; t < 5000; t++) m.push({ type: 'A', time: t * 100 })
    // one run per A in the last 10 s: at most 101 alive, everything older expired
    expect(m.metrics.partials).toBeLessThanOrEqual(101)
    expect(m.metrics.expired).toBeGreaterThan(4800)
    expect(m.push({ type: 'B', time: 500_000 })).toHaveLength(100) // the As at 490.0 s .. 499.9 s
    m.advanceTo(10_000_000)
    expect(m.metrics.partials).toBe(0)
  })

  it('rejects out-of-order events, or reorders them within a bound', () => {
    const strict = new TemporalPatternMatcher('A B')
    strict.push({ type: 'A', time: 10 })
    expect(() => strict.push({ type: 'B', time: 5 })).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_ORDER_EVENT' }),
    )
    expect(strict.push({ type: 'B', time: 10 })).toHaveLength(1) // equal times are in order

    const buffered = new TemporalPatternMatcher('A B', { reorder: { maxDelay: 100 } })
    expect(buffered.push({ type: 'B', time: 50, attrs: { i: 1 } })).toEqual([])
    expect(buffered.push({ type: 'A', time: 10, attrs: { i: 0 } })).toEqual([])
    expect(ids(buffered.push({ type: 'X', time: 200 }))).toEqual(['0,1'])
    expect(() => buffered.push({ type: 'A', time: 20 })).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_ORDER_EVENT' }),
    )
    expect(buffered.flush()).toEqual([])

    const dropping = new TemporalPatternMatcher('A B', { reorder: { maxDelay: 5, late: 'drop' } })
    dropping.push({ type: 'A', time: 100 })
    dropping.push({ type: 'B', time: 200 })
    expect(dropping.push({ type: 'A', time: 50 })).toEqual([])
    expect(dropping.metrics.late).toBe(1)
    expect(dropping.flush()).toHaveLength(1)
  })

  it('caps partial matches with a typed error or by dropping the oldest', () => {
    const m = new TemporalPatternMatcher('A B', { maxPartialMatches: 5 })
    for (let t = 0; t < 5; t++) m.push({ type: 'A', time: t })
    let err: unknown
    try {
      m.push({ type: 'A', time: 5 })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(PartialMatchLimitError)
    expect(err).toMatchObject({ code: 'ERR_PARTIAL_MATCH_LIMIT', dropped: 1 })
    expect(m.metrics.partials).toBe(5)
    // still usable: the five newest runs complete
    expect(m.push({ type: 'B', time: 6 }).map((x) => x.start)).toEqual([1, 2, 3, 4, 5])

    const d = new TemporalPatternMatcher('A B', { maxPartialMatches: 3, onOverflow: 'drop-oldest' })
    for (let t = 0; t < 10; t++) d.push({ type: 'A', time: t })
    expect(d.metrics).toMatchObject({ partials: 3, dropped: 7 })
    expect(d.push({ type: 'B', time: 10 }).map((x) => x.start)).toEqual([7, 8, 9])
  })

  it('gives typed errors for bad patterns, config and events', () => {
    for (const bad of ['', 'A B{3,1}', 'A [', 'A[x > ]', 'A within', 'A within 5 B', 'A{0}', 'A ) B', 'A # B'])
      expect(() => parsePattern(bad), bad).toThrow(expect.objectContaining({ code: 'ERR_INVALID_PATTERN' }))
    expect(() => pattern().oneOrMore()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_PATTERN' }))
    expect(() => new TemporalPatternMatcher('A', { strategy: 'greedy' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_PATTERN' }),
    )
    const m = new TemporalPatternMatcher('A')
    for (const e of [null, { type: 1, time: 0 }, { type: 'A', time: Number.NaN }, { type: 'A', time: 0, attrs: 5 }])
      expect(() => m.push(e as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_EVENT' }))
  })

  it('parses durations and the builder and text forms agree', () => {
    const text = parsePattern('A _* B[v < -2.5]{1,3} C? within 2s gap 500ms')
    expect(text.within).toBe(2000)
    expect(text.maxGap).toBe(500)
    expect(text.steps.map((s) => [s.min, s.max])).toEqual([
      [1, 1],
      [0, Number.POSITIVE_INFINITY],
      [1, 3],
      [0, 1],
    ])
    const built = pattern().event('A').any().zeroOrMore().event('B').attr('v', '<', -2.5).times(1, 3)
    const b = built.event('C').optional().within(2000).maxGap(500).build()
    const stream = 'A@0 X@100 B:-3@200 B:-1@300 B:-4@400 C@500 B:-9@3000'
    for (const cfg of [STRICT, NEXT, ANY]) expect(run(b, stream, cfg)).toEqual(run(text, stream, cfg))
    expect(run(text, stream, ANY).length).toBeGreaterThan(run(text, stream, NEXT).length)
  })

  it('finds exactly the matches a brute-force search finds under skip-till-any-match', () => {
    const p = parsePattern('A B{1,2} _? C within 40 gap 25')
    let seed = 42
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed / 0x80000000
    }
    let total = 0
    for (let trial = 0; trial < 30; trial++) {
      let t = 0
      const stream = Array.from({ length: 11 }, (_, i) => {
        t += Math.floor(rand() * 12)
        return { type: 'ABCD'[Math.floor(rand() * 4)]!, time: t, attrs: { i } }
      })
      const m = new TemporalPatternMatcher(p, ANY)
      const expected = bruteForce(p, stream)
      expect(ids(m.pushAll(stream))).toEqual(expected)
      total += expected.length
    }
    expect(total).toBeGreaterThan(30) // the streams do exercise the pattern
  })
})

/** Every subsequence of `stream` that the pattern accepts (time bounds included), as index lists. */
function bruteForce(p: Pattern, stream: TemporalEvent[]): string[] {
  const out: string[] = []
  const accepts = (stepIdx: number, e: TemporalEvent) => {
    const s = p.steps[stepIdx]!
    return s.types === null || s.types.includes(e.type)
  }
  const gapOf = (j: number) => Math.min(p.steps[j]!.maxGap ?? Infinity, p.maxGap ?? Infinity)
  // can events[k..] be split over steps j.. (with c already taken at step j)?
  const fits = (evs: TemporalEvent[], k: number, j: number, c: number): boolean => {
    const s = p.steps[j]!
    if (k === evs.length) return c >= s.min && p.steps.slice(j + 1).every((x) => x.min === 0)
    const e = evs[k]!
    const prev = evs[k - 1]!
    if (c < s.max && accepts(j, e) && e.time - prev.time <= gapOf(j) && fits(evs, k + 1, j, c + 1)) return true
    if (c < s.min) return false
    for (let n = j + 1; n < p.steps.length; n++) {
      if (accepts(n, e) && e.time - prev.time <= gapOf(n) && fits(evs, k + 1, n, 1)) return true
      if (p.steps[n]!.min > 0) break
    }
    return false
  }
  for (let mask = 1; mask < 1 << stream.length; mask++) {
    const evs = stream.filter((_, i) => mask & (1 << i))
    if (evs.at(-1)!.time - evs[0]!.time > (p.within ?? Infinity)) continue
    let ok = false
    for (let j = 0; j < p.steps.length && !ok; j++) {
      if (accepts(j, evs[0]!) && fits(evs, 1, j, 1)) ok = true
      if (p.steps[j]!.min > 0) break
    }
    if (ok) out.push(evs.map((e) => e.attrs?.i).join(','))
  }
  return out.sort()
}
