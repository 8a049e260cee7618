/**
 * `TemporalPatternMatcher`: runs a `Pattern` as an NFA over a time-ordered event stream. Each partial match (a "run")
 * is a state (step, repetitions so far) plus its events as a shared linked list, so branching is cheap.
 *
 * Selection strategies (what a run does with an event):
 * - `strict`: contiguity. A run must take the very next event or die.
 * - `skip-till-next-match` (default): a run takes every event it can and skips the ones it cannot.
 * - `skip-till-any-match`: a run may take or skip any event, so every combination is found (and memory can grow
 *   fast: `maxPartialMatches` caps it).
 * A run branches when an event both repeats the current step and starts the next one. Every event that fits the
 * first step starts a new run. A match is emitted as soon as a run completes the pattern; a run that can still grow
 * (a trailing `+`, `*` or `?`) keeps going and emits each longer match too.
 *
 * Memory stays bounded: runs expire when the window (`within` / `window`) or gap limits can no longer be met, and
 * `maxPartialMatches` caps the rest (error or drop-oldest). Events must come in time order unless a reorder buffer
 * (`reorder.maxDelay`) is configured.
 */
import {
  InvalidEventError,
  InvalidPatternError,
  OutOfOrderEventError,
  PartialMatchLimitError,
} from './temporal-errors.js'
import {
  type AttrCondition,
  type Match,
  type Pattern,
  type PatternStep,
  parsePattern,
  type TemporalEvent,
  validatePattern,
} from './temporal-pattern.js'

/** How runs treat events they cannot (or choose not to) take. */
export type SelectionStrategy = 'strict' | 'skip-till-next-match' | 'skip-till-any-match'

/** Matcher options. */
export interface MatcherConfig {
  /** Default `skip-till-next-match`. */
  strategy?: SelectionStrategy
  /** A whole-match window in ms; the smaller of this and the pattern's `within` applies. */
  window?: number
  /** Most live partial matches (default 10,000). */
  maxPartialMatches?: number
  /** Past the cap: drop the oldest partials and throw `ERR_PARTIAL_MATCH_LIMIT` (default), or drop silently. */
  onOverflow?: 'error' | 'drop-oldest'
  /**
   * Hold events up to `maxDelay` ms behind the newest seen and process them in time order. Events later than that
   * throw `ERR_OUT_OF_ORDER_EVENT` (`late: 'error'`, the default) or are counted and dropped (`late: 'drop'`).
   * Without it, any event older than the last one throws.
   */
  reorder?: { maxDelay: number; late?: 'error' | 'drop' }
}

/** Counters of what the matcher did. */
export interface MatcherMetrics {
  /** Events processed (after reordering). */
  events: number
  matches: number
  /** Live partial matches now. */
  partials: number
  peakPartials: number
  /** Partials dropped because their window or gap ran out. */
  expired: number
  /** Partials dropped by the cap. */
  dropped: number
  /** Late events dropped by the reorder buffer. */
  late: number
}

interface Link {
  readonly event: TemporalEvent
  readonly seq: number
  readonly prev: Link | null
}

interface Run {
  readonly step: number
  readonly count: number
  readonly start: number
  readonly last: number
  /** After this time no move can succeed. */
  readonly deadline: number
  readonly tail: Link
}

/** What one event's processing carries along. */
interface Ctx {
  readonly e: TemporalEvent
  readonly seq: number
  readonly next: Run[]
  readonly matches: Match[]
  /** Keys of the matches this event emitted so far. */
  emitted: string[] | undefined
}

interface Compiled {
  readonly type: string | null
  readonly types: ReadonlySet<string> | null
  readonly conditions: readonly AttrCondition[]
  readonly where: ((e: TemporalEvent) => boolean) | undefined
  readonly min: number
  readonly max: number
  readonly gap: number
}

/** An NFA matcher of one pattern over one event stream. */
export class TemporalPatternMatcher {
  readonly pattern: Pattern
  readonly strategy: SelectionStrategy
  readonly #steps: Compiled[]
  /** restOptional[i]: every step after i may match zero times. */
  readonly #restOptional: boolean[]
  readonly #window: number
  readonly #cap: number
  readonly #overflow: 'error' | 'drop-oldest'
  readonly #reorder: { maxDelay: number; late: 'error' | 'drop' } | undefined
  #runs: Run[] = []
  #lastTime = Number.NEGATIVE_INFINITY
  #seq = 0
  #buffer: { event: TemporalEvent; n: number }[] = []
  #arrivals = 0
  #newest = Number.NEGATIVE_INFINITY
  readonly #metrics: MatcherMetrics = {
    events: 0,
    matches: 0,
    partials: 0,
    peakPartials: 0,
    expired: 0,
    dropped: 0,
    late: 0,
  }

  /** Compiles `pattern` (a `Pattern` or its text form). Throws `ERR_INVALID_PATTERN` for bad patterns or config. */
  constructor(pattern: Pattern | string, config: MatcherConfig = {}) {
    this.pattern = typeof pattern === 'string' ? parsePattern(pattern) : validatePattern(pattern)
    this.strategy = config.strategy ?? 'skip-till-next-match'
    if (!['strict', 'skip-till-next-match', 'skip-till-any-match'].includes(this.strategy))
      throw new InvalidPatternError(`unknown selection strategy ${String(this.strategy)}`)
    const globalGap = this.pattern.maxGap ?? Number.POSITIVE_INFINITY
    this.#steps = this.pattern.steps.map((s: PatternStep) => ({
      type: s.types !== null && s.types.length === 1 ? s.types[0]! : null,
      types: s.types !== null && s.types.length > 1 ? new Set(s.types) : null,
      conditions: s.conditions,
      where: s.where,
      min: s.min,
      max: s.max,
      gap: Math.min(s.maxGap ?? globalGap, globalGap),
    }))
    this.#restOptional = this.#steps.map((_, i) => this.#steps.slice(i + 1).every((s) => s.min === 0))
    this.#window = Math.min(config.window ?? Number.POSITIVE_INFINITY, this.pattern.within ?? Number.POSITIVE_INFINITY)
    this.#cap = Math.max(1, config.maxPartialMatches ?? 10_000)
    this.#overflow = config.onOverflow ?? 'error'
    if (config.reorder !== undefined) {
      if (!(config.reorder.maxDelay >= 0)) throw new InvalidPatternError('reorder.maxDelay must be >= 0')
      this.#reorder = { maxDelay: config.reorder.maxDelay, late: config.reorder.late ?? 'error' }
    }
  }

  /** A snapshot of the counters. */
  get metrics(): MatcherMetrics {
    return { ...this.#metrics, partials: this.#runs.length }
  }

  /** Feeds one event; returns the matches it completed (with a reorder buffer: those of the events it released). */
  push(event: TemporalEvent): Match[] {
    checkEvent(event)
    if (this.#reorder === undefined) {
      if (event.time < this.#lastTime) throw new OutOfOrderEventError(event.time, this.#lastTime)
      return this.#process(event)
    }
    const horizon = this.#newest - this.#reorder.maxDelay
    if (event.time < this.#lastTime || event.time < horizon) {
      if (this.#reorder.late === 'drop') {
        this.#metrics.late++
        return []
      }
      throw new OutOfOrderEventError(event.time, Math.max(this.#lastTime, horizon))
    }
    this.#bufferPush(event)
    this.#newest = Math.max(this.#newest, event.time)
    return this.#release(this.#newest - this.#reorder.maxDelay)
  }

  /** Feeds many events in order; returns all matches. */
  pushAll(events: Iterable<TemporalEvent>): Match[] {
    const out: Match[] = []
    for (const e of events) for (const m of this.push(e)) out.push(m)
    return out
  }

  /** Processes every event still held by the reorder buffer (end of stream). */
  flush(): Match[] {
    return this.#release(Number.POSITIVE_INFINITY)
  }

  /** Declares that time has reached `time` with no event, dropping partials that can no longer complete. */
  advanceTo(time: number): void {
    if (!Number.isFinite(time)) throw new InvalidEventError('time must be a finite number')
    const live = this.#runs.filter((r) => r.deadline >= time)
    this.#metrics.expired += this.#runs.length - live.length
    this.#runs = live
  }

  #process(e: TemporalEvent): Match[] {
    this.#lastTime = e.time
    const seq = this.#seq++
    this.#metrics.events++
    const now = e.time
    const next: Run[] = []
    const matches: Match[] = []
    const ctx: Ctx = { e, seq, next, matches, emitted: undefined }
    for (const run of this.#runs) {
      if (now > run.deadline) {
        this.#metrics.expired++
        continue
      }
      const took = this.#moves(run, ctx)
      if (this.strategy === 'skip-till-any-match' || (!took && this.strategy === 'skip-till-next-match')) next.push(run)
    }
    this.#moves(undefined, ctx)
    this.#runs = next
    if (next.length > this.#metrics.peakPartials) this.#metrics.peakPartials = next.length
    if (next.length > this.#cap) {
      const excess = next.length - this.#cap
      next.splice(0, excess)
      this.#metrics.dropped += excess
      if (this.#overflow === 'error') throw new PartialMatchLimitError(this.#cap, excess, matches)
    }
    return matches
  }

  /** Appends to ctx.next the runs `run` (or a fresh run, if undefined) becomes by taking ctx.e; true if any. */
  #moves(run: Run | undefined, ctx: Ctx): boolean {
    const { e } = ctx
    const steps = this.#steps
    let took = false
    const i = run?.step ?? -1
    if (run !== undefined) {
      const s = steps[i]!
      if (run.count < s.max && e.time - run.last <= s.gap && e.time - run.start <= this.#window && accepts(s, e)) {
        this.#advance(run, i, run.count + 1, ctx)
        took = true
      }
      if (run.count < s.min) return took
    }
    for (let j = i + 1; j < steps.length; j++) {
      const s = steps[j]!
      const fits = run === undefined || (e.time - run.last <= s.gap && e.time - run.start <= this.#window)
      if (fits && accepts(s, e)) {
        this.#advance(run, j, 1, ctx)
        took = true
      }
      if (s.min > 0) break
    }
    return took
  }

  #advance(run: Run | undefined, step: number, count: number, ctx: Ctx): void {
    const { e } = ctx
    const tail: Link = { event: e, seq: ctx.seq, prev: run?.tail ?? null }
    const start = run?.start ?? e.time
    const s = this.#steps[step]!
    const complete = count >= s.min && this.#restOptional[step]!
    if (complete) this.#emit(tail, start, e.time, ctx)
    const canGrow = count < s.max || step < this.#steps.length - 1
    if (!canGrow) return
    // the latest time any next move could still happen: the window, and the largest gap a next step allows
    let gap = count < s.max ? s.gap : Number.NEGATIVE_INFINITY
    if (count >= s.min)
      for (let j = step + 1; j < this.#steps.length; j++) {
        gap = Math.max(gap, this.#steps[j]!.gap)
        if (this.#steps[j]!.min > 0) break
      }
    const deadline = Math.min(start + this.#window, e.time + gap)
    ctx.next.push({ step, count, start, last: e.time, deadline, tail })
  }

  #emit(tail: Link, start: number, end: number, ctx: Ctx): void {
    const events: TemporalEvent[] = []
    const seqs: number[] = []
    for (let l: Link | null = tail; l !== null; l = l.prev) {
      events.push(l.event)
      seqs.push(l.seq)
    }
    // one event can complete the same events by two paths (e.g. `a b* b*`): emit each set once
    const key = seqs.join(',')
    if (ctx.emitted?.includes(key)) return
    ctx.emitted ??= []
    ctx.emitted.push(key)
    events.reverse()
    ctx.matches.push({ events, start, end })
    this.#metrics.matches++
  }

  #bufferPush(event: TemporalEvent): void {
    // a binary min-heap on (time, arrival order), so equal times keep their arrival order
    const h = this.#buffer
    const item = { event, n: this.#arrivals++ }
    h.push(item)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!before(item, h[p]!)) break
      h[i] = h[p]!
      i = p
    }
    h[i] = item
  }

  #release(upTo: number): Match[] {
    const h = this.#buffer
    const out: Match[] = []
    while (h.length > 0 && h[0]!.event.time <= upTo) {
      const top = h[0]!
      const last = h.pop()!
      if (h.length > 0) {
        let i = 0
        for (;;) {
          const l = 2 * i + 1
          if (l >= h.length) break
          const c = l + 1 < h.length && before(h[l + 1]!, h[l]!) ? l + 1 : l
          if (!before(h[c]!, last)) break
          h[i] = h[c]!
          i = c
        }
        h[i] = last
      }
      for (const m of this.#process(top.event)) out.push(m)
    }
    return out
  }
}

function before(a: { event: TemporalEvent; n: number }, b: { event: TemporalEvent; n: number }): boolean {
  return a.event.time < b.event.time || (a.event.time === b.event.time && a.n < b.n)
}

function accepts(s: Compiled, e: TemporalEvent): boolean {
  if (s.type !== null) {
    if (e.type !== s.type) return false
  } else if (s.types !== null && !s.types.has(e.type)) return false
  for (const c of s.conditions) if (!holds(c, e.attrs?.[c.attr])) return false
  return s.where === undefined || s.where(e)
}

function holds(c: AttrCondition, v: unknown): boolean {
  switch (c.op) {
    case '=':
      return v === c.value
    case '!=':
      return v !== c.value
  }
  if (typeof v !== typeof c.value || (typeof v !== 'number' && typeof v !== 'string')) return false
  const a = v as number | string
  const b = c.value as number | string
  return c.op === '<' ? a < b : c.op === '<=' ? a <= b : c.op === '>' ? a > b : a >= b
}

function checkEvent(e: TemporalEvent): void {
  if (e === null || typeof e !== 'object') throw new InvalidEventError('an event must be an object')
  if (typeof e.type !== 'string') throw new InvalidEventError('type must be a string')
  if (typeof e.time !== 'number' || !Number.isFinite(e.time))
    throw new InvalidEventError('time must be a finite number')
  if (e.attrs !== undefined && (e.attrs === null || typeof e.attrs !== 'object'))
    throw new InvalidEventError('attrs must be an object')
}
