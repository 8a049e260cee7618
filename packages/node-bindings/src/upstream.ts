/**
 * The shapes of the original project's Node bindings (`@cool-japan/ipfrs-node`), accepted beside ours: the config
 * `{ storagePath, enableSemantic, enableTensorlogic }`, facts and goals as `{ name, args: [{ kind, value }] }`, rules
 * as `{ head, body: [...] }`. They are turned into our config and our clause text here.
 */
import type { ProofTree } from '@ipfrs/node-api'
import { InvalidArgumentError } from './errors.js'

/** The original's node config: every field optional, no vector dimension. */
export interface UpstreamNodeConfig {
  /** The repo directory (default `./ipfrs-data`). */
  storagePath?: string
  /** Open the semantic index (default true); its dimension is that of the first vector indexed. */
  enableSemantic?: boolean
  /** Keep a knowledge base (default true). */
  enableTensorlogic?: boolean
}

/** A term of the original's API; `value` is text (numbers are accepted too). */
export interface UpstreamTerm {
  kind: 'int' | 'float' | 'string' | 'bool' | 'var'
  value: string | number | boolean
}

/** A fact or a goal of the original's API. */
export interface UpstreamPredicate {
  name: string
  args: UpstreamTerm[]
}

/** A rule of the original's API (an empty body makes it a fact). */
export interface UpstreamRule {
  head: UpstreamPredicate
  body: UpstreamPredicate[]
}

/** The repo directory of an original-style config without `storagePath`. */
export const DEFAULT_STORAGE_PATH = './ipfrs-data'

/** Whether `config` is in the original's shape (no `repoPath`; absent counts as the original's default config). */
export function isUpstreamConfig(config: unknown): config is UpstreamNodeConfig | undefined {
  if (config === undefined) return true
  if (typeof config !== 'object' || config === null || 'repoPath' in config) return false
  const c = config as Record<string, unknown>
  return (
    (c.storagePath === undefined || (typeof c.storagePath === 'string' && c.storagePath !== '')) &&
    (c.enableSemantic === undefined || typeof c.enableSemantic === 'boolean') &&
    (c.enableTensorlogic === undefined || typeof c.enableTensorlogic === 'boolean')
  )
}

/** Whether `x` is a predicate object (a fact or goal of the original's API). */
export function isUpstreamPredicate(x: unknown): x is UpstreamPredicate {
  return typeof x === 'object' && x !== null && 'name' in x && 'args' in x
}

/** Whether `x` is a rule object of the original's API. */
export function isUpstreamRule(x: unknown): x is UpstreamRule {
  return typeof x === 'object' && x !== null && 'head' in x && 'body' in x
}

/** A quoted atom: every name and string value becomes one, so `{ kind: 'string', value: 'Alice' }` is `'Alice'`. */
function atom(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/** Variable names: kept when they are Prolog variables, else `V_<n>` (mapped back in answers through `vars`). */
function variable(name: string, vars: Map<string, string>): string {
  let v = vars.get(name)
  if (v === undefined) {
    v = /^[A-Z_][A-Za-z0-9_]*$/.test(name) ? name : `V_${vars.size}`
    vars.set(name, v)
  }
  return v
}

function termText(t: unknown, where: string, vars: Map<string, string>): string {
  if (typeof t !== 'object' || t === null) throw new InvalidArgumentError(where, 'expected { kind, value }')
  const { kind, value } = t as Record<string, unknown>
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : undefined
  if (text === undefined) throw new InvalidArgumentError(`${where}.value`, 'expected a string')
  switch (kind) {
    case 'int':
      if (!/^-?[0-9]+$/.test(text.trim())) throw new InvalidArgumentError(`${where}.value`, `not an integer: ${text}`)
      return text.trim()
    case 'float': {
      const f = Number(text)
      if (text.trim() === '' || !Number.isFinite(f))
        throw new InvalidArgumentError(`${where}.value`, `not a float: ${text}`)
      const s = String(f)
      if (/^-?[0-9]+$/.test(s)) return `${s}.0`
      return s.includes('.') ? s : s.replace('e', '.0e')
    }
    case 'string':
      return atom(text)
    case 'bool':
      if (text !== 'true' && text !== 'false')
        throw new InvalidArgumentError(`${where}.value`, 'expected true or false')
      return text
    case 'var':
      if (text === '') throw new InvalidArgumentError(`${where}.value`, 'empty variable name')
      return variable(text, vars)
    default:
      throw new InvalidArgumentError(`${where}.kind`, "expected 'int', 'float', 'string', 'bool' or 'var'")
  }
}

/** A predicate object as clause-body text (`'parent'('Alice', X)`). */
export function predicateText(p: unknown, where: string, vars: Map<string, string>): string {
  if (!isUpstreamPredicate(p) || typeof p.name !== 'string' || p.name === '' || !Array.isArray(p.args))
    throw new InvalidArgumentError(where, 'expected { name, args: [{ kind, value }] }')
  if (p.args.length === 0) return atom(p.name)
  return `${atom(p.name)}(${p.args.map((a, i) => termText(a, `${where}.args[${i}]`, vars)).join(', ')})`
}

/** A fact object as clause text. */
export function factText(p: unknown): string {
  return `${predicateText(p, 'fact', new Map())}.`
}

/** A rule object as clause text (an empty body: a fact, as the original treats it). */
export function ruleText(r: unknown): { text: string; fact: boolean } {
  if (!isUpstreamRule(r) || !Array.isArray(r.body))
    throw new InvalidArgumentError('rule', 'expected { head, body: [...] }')
  const vars = new Map<string, string>()
  const head = predicateText(r.head, 'rule.head', vars)
  if (r.body.length === 0) return { text: `${head}.`, fact: true }
  const body = r.body.map((g, i) => predicateText(g, `rule.body[${i}]`, vars))
  return { text: `${head} :- ${body.join(', ')}.`, fact: false }
}

/** A goal object as goal text, and the variable names it used (original name → ours). */
export function goalText(p: unknown): { text: string; vars: Map<string, string> } {
  const vars = new Map<string, string>()
  return { text: predicateText(p, 'goal', vars), vars }
}

/** An answer as one line of text, `X = 'Alice', Y = 1` (`true` when the goal has no variables), in original names. */
export function answerText(bindings: Record<string, string>, vars: Map<string, string>): string {
  const parts = [...vars].map(([name, ours]) => `${name} = ${bindings[ours] ?? ours}`)
  return parts.length === 0 ? 'true' : parts.join(', ')
}

/** A proof in the original's shape: one proven goal a line, sub-goals indented two spaces per level. */
export function proofText(proof: ProofTree): string {
  const lines: string[] = []
  const walk = (steps: ProofTree['proof'], depth: number) => {
    for (const s of steps) {
      lines.push(`${'  '.repeat(depth)}${s.goal}`)
      walk(s.children, depth + 1)
    }
  }
  walk(proof.proof, 0)
  return lines.join('\n')
}
