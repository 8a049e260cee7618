import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { atom, canonicalClause, KnowledgeBase, parseTerm, printTerm, Solver, type Term } from '../src/index.js'
import { mapVars, v, variables } from '../src/logic/terms.js'

// Our answers compared with SWI-Prolog's for every `%? goal` (answer sequence) and `%?set goal` (answer set) line of
// the programs under test/programs/. SWI prints each instantiated goal with writeq/1; both sides are parsed with our
// parser and compared up to variable renaming.
const SWIPL = process.env.SWIPL ?? new URL('../../../.tools/swipl/swipl', import.meta.url).pathname
const PROGRAMS = new URL('./programs/', import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'tl-swi-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

interface Query {
  readonly text: string
  readonly ordered: boolean
}

function queriesOf(program: string): Query[] {
  return program
    .split('\n')
    .map((l) => /^%\?(set)? (.+)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ text: m[2] as string, ordered: m[1] === undefined }))
}

/** A goal instance as text, the same for variants. */
function key(t: Term): string {
  return printTerm(canonicalClause({ head: atom('q'), body: t }).body)
}

/**
 * SWI runs the program with a `:- table` line for each predicate we table automatically (SWI-Prolog with tabling is
 * the reference for Datalog-style recursion; without them its SLD resolution would not end on left recursion).
 */
function swiAnswers(file: string, program: string, queries: Query[]): string[][] {
  const driver = join(tmp, `${file}.driver.pl`)
  const source = join(tmp, file)
  const kb = new KnowledgeBase()
  kb.consult(program)
  const auto = [...new Solver(kb).analysis().autoTabled].map((pi) => `:- table ${pi}.`)
  writeFileSync(source, [...auto, program].join('\n'))
  writeFileSync(
    driver,
    [
      ':- use_module(library(lists)).',
      ':- use_module(library(aggregate)).',
      ':- style_check(-singleton).',
      `:- consult('${source}').`,
      ...queries.map((q, i) => `q(${i}, (${q.text})).`),
      'main :- forall(q(I, Q), (format("#~w~n", [I]), forall(Q, (writeq(Q), nl)))).',
    ].join('\n'),
  )
  const r = spawnSync(SWIPL, ['-q', '-g', 'main', '-t', 'halt', driver], { encoding: 'utf8', timeout: 60_000 })
  if (r.status !== 0) throw new Error(`swipl failed (${r.status}): ${r.stderr}`)
  const out: string[][] = queries.map(() => [])
  let current: string[] | undefined
  for (const line of r.stdout.split('\n')) {
    const m = /^#([0-9]+)$/.exec(line)
    if (m) current = out[Number(m[1])]
    else if (line !== '') current?.push(key(parseTerm(line)))
  }
  return out
}

async function ourAnswers(program: string, q: Query): Promise<string[]> {
  const kb = new KnowledgeBase()
  kb.consult(program)
  const parsed = parseTerm(q.text)
  const names = variables(parsed)
  const goal = mapVars(parsed, (n) => v(`Q${names.indexOf(n)}`))
  const answers = await new Solver(kb).all(goal, { timeoutMs: 20_000 })
  return answers.map((b) => key(mapVars(goal, (n) => b[n] ?? v(n))))
}

const files = readdirSync(PROGRAMS).filter((f) => f.endsWith('.pl'))

describe('agreement with SWI-Prolog', () => {
  it('has a working swipl', () => {
    expect(
      existsSync(SWIPL),
      `SWI-Prolog not found at ${SWIPL}: run scripts/provision-swipl.sh (or set SWIPL to a swipl binary)`,
    ).toBe(true)
    expect(files.length).toBeGreaterThanOrEqual(8)
  })

  for (const file of files) {
    it(`${file}: same answers`, async () => {
      expect(existsSync(SWIPL), 'SWI-Prolog missing: run scripts/provision-swipl.sh').toBe(true)
      const program = readFileSync(join(PROGRAMS, file), 'utf8')
      const queries = queriesOf(program)
      expect(queries.length).toBeGreaterThan(3)
      const swi = swiAnswers(file, program, queries)
      for (const [i, q] of queries.entries()) {
        const ours = await ourAnswers(program, q)
        const theirs = swi[i] as string[]
        if (q.ordered) expect(ours, q.text).toEqual(theirs)
        else expect([...ours].sort(), q.text).toEqual([...theirs].sort())
        if (!q.ordered) expect(new Set(ours).size, `${q.text}: duplicate tabled answers`).toBe(ours.length)
      }
    })
  }
})
