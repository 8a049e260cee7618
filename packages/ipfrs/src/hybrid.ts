/**
 * The hybrid query: logic answers ranked by a semantic search. An answer whose bound values include a CID the search
 * found takes that hit's score.
 */
import { formatCid, parseCid } from '@ipfrs/core'
import type { Bindings, HybridAnswer, HybridOptions, HybridResult, LogicApi, SemanticApi } from '@ipfrs/node-api'

/** The CID strings (normalised) found in a printed term: quoted or bare atoms and strings that parse as CIDs. */
function cidsIn(value: string): string[] {
  const out: string[] = []
  for (const token of value.match(/[A-Za-z0-9]{46,}/g) ?? []) {
    try {
      out.push(formatCid(parseCid(token)))
    } catch {
      // not a CID
    }
  }
  return out
}

/**
 * Combines logic answers with semantic hits: an answer whose bound values include a hit's CID takes that hit's score
 * (the best, if several); scored answers come first, best first, then the others in solver order; hits no answer
 * reached are returned apart.
 */
export function combineHybrid(answers: Bindings[], hits: ReadonlyArray<{ cid: string; score: number }>): HybridResult {
  const score = new Map<string, number>()
  for (const h of hits) {
    const key = cidsIn(h.cid)[0] ?? h.cid
    if (!score.has(key)) score.set(key, h.score)
  }
  const reached = new Set<string>()
  const scored: Array<HybridAnswer & { i: number }> = answers.map((bindings, i) => {
    let best: { cid: string; score: number } | undefined
    for (const value of Object.values(bindings)) {
      for (const cid of cidsIn(value)) {
        const s = score.get(cid)
        if (s === undefined) continue
        reached.add(cid)
        if (best === undefined || s > best.score) best = { cid, score: s }
      }
    }
    return best === undefined ? { bindings, i } : { bindings, ...best, i }
  })
  scored.sort((a, b) => {
    if (a.score !== undefined && b.score !== undefined) return b.score - a.score || a.i - b.i
    if (a.score !== undefined) return -1
    if (b.score !== undefined) return 1
    return a.i - b.i
  })
  return {
    answers: scored.map(({ i: _i, ...a }) => a),
    unmatched: [...score].filter(([cid]) => !reached.has(cid)).map(([cid, s]) => ({ cid, score: s })),
  }
}

/** Runs `goal` on `logic` and, with `options.semantic`, ranks the answers by a search of `semantic()`. */
export async function hybridQuery(
  logic: LogicApi,
  semantic: () => SemanticApi,
  goal: string,
  options: HybridOptions = {},
): Promise<HybridResult> {
  const { semantic: text, topK, ...limits } = options
  const answers = await logic.query(goal, limits)
  if (text === undefined) return combineHybrid(answers, [])
  const hits = await semantic().query(text, topK ?? 10, { signal: options.signal })
  return combineHybrid(answers, hits)
}
