/**
 * Walks every error class of every package (each package's public surface plus every src file that declares one) and
 * checks the contract of `IpfrsError`: a stable code, an HTTP status that is a property of the class, and 4xx for a
 * failure that is the caller's fault. Also: no `new IpfrsError('ERR_…')` literal in any src (one class per failure).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { IpfrsError, isIpfrsError } from '@ipfrs/core'
import { describe, expect, it } from 'vitest'

const packagesDir = fileURLToPath(new URL('../../', import.meta.url))

function srcFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? srcFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

// every package but the private test helpers (they declare no errors and load test-only dependencies)
const packages = readdirSync(packagesDir).filter((p) => {
  if (p === 'test-utils') return false
  try {
    return readdirSync(join(packagesDir, p, 'src')).length > 0
  } catch {
    return false
  }
})
// the web UI's browser code (packages/webui/src/app) has its own UI-side errors: they never cross the API
const files = packages
  .flatMap((p) => srcFiles(join(packagesDir, p, 'src')))
  .filter((f) => !f.startsWith(join(packagesDir, 'webui', 'src', 'app')))
/** The src files that declare a class extending some error class. */
const declaring = files.filter((f) => /class \w+ extends \w*Error\b/.test(readFileSync(f, 'utf8')))

/** Codes of errors that a remote peer causes (a bad gateway for whoever asked us), not the API caller: not 4xx. */
const PEER_FAULT = new Set(['ERR_FRAME_TOO_LARGE', 'ERR_SEMANTIC_BAD_MESSAGE'])
/** What a caller-fault code looks like: bad input, a missing thing the caller named, a refused request. */
const CALLER_FAULT =
  /^ERR_(INVALID_|UNSUPPORTED_|UNSAFE_|PARSE$|NOT_A_FILE$|IS_DIRECTORY$|NOT_UNIXFS$|NOT_PINNED$|DIMENSION_MISMATCH$|.*TOO_LARGE$|UNKNOWN_|METHOD_NOT_ALLOWED$|FORBIDDEN_|UNAUTHORIZED$|BODY_TOO_LARGE$|.*NOT_FOUND$|INSTANTIATION$|EVALUATION$|BLOCK_PINNED$)/

type ErrorClass = typeof IpfrsError & { code?: unknown }

/** A subclass of IpfrsError from any copy of @ipfrs/core (by name: a second copy's class is another object). */
function isErrorClass(value: object): boolean {
  for (let p = Object.getPrototypeOf(value); p != null && p !== Function.prototype; p = Object.getPrototypeOf(p))
    if (p.name === 'IpfrsError') return true
  return false
}

async function errorClasses(): Promise<Map<ErrorClass, string>> {
  const found = new Map<ErrorClass, string>()
  // core through its package name, as every other package imports it, so each core class is seen once
  const core = join(packagesDir, 'core', 'src')
  const modules = [
    '@ipfrs/core',
    ...packages.filter((p) => p !== 'core').map((p) => join(packagesDir, p, 'src', 'index.ts')),
    ...declaring.filter((f) => !f.startsWith(core)),
  ]
  for (const file of modules) {
    const mod = (await import(file)) as Record<string, unknown>
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value === 'function' && isErrorClass(value) && !found.has(value as ErrorClass))
        found.set(value as ErrorClass, `${file.startsWith('/') ? relative(packagesDir, file) : file}:${name}`)
    }
  }
  return found
}

describe('every error class of every package', () => {
  it('has a stable code and an HTTP status; caller-fault classes are 4xx, the rest 5xx', {
    timeout: 60_000,
  }, async () => {
    const classes = await errorClasses()
    // every declared class is reachable (exported), so this walk sees them all
    const declared = declaring.flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/export (?:abstract )?class (\w+) extends \w*Error\b/g)].map((m) => m[1]),
    )
    const walked = new Set([...classes.keys()].map((c) => c.name))
    expect(declared.filter((n) => n !== 'IpfrsError' && !walked.has(n as string))).toEqual([])
    expect(classes.size).toBeGreaterThan(80)

    const problems: string[] = []
    const byCode = new Map<string, Map<ErrorClass, string>>()
    for (const [cls, where] of classes) {
      const abstract = !Object.hasOwn(cls, 'code')
      if (abstract) continue // a base like ApiRequestError: its subclasses carry the codes
      const code = cls.code
      const status = cls.httpStatus
      if (typeof code !== 'string' || !/^ERR_[A-Z0-9_]+$/.test(code)) problems.push(`${where}: code ${String(code)}`)
      if (!Number.isInteger(status) || status < 400 || status > 599) problems.push(`${where}: status ${status}`)
      const callerFault = CALLER_FAULT.test(String(code)) && !PEER_FAULT.has(String(code))
      if (callerFault && status >= 500) problems.push(`${where}: ${code} is the caller's fault but answers ${status}`)
      if (!callerFault && status < 500 && cls.httpStatus === IpfrsError.httpStatus)
        problems.push(`${where}: ${code} inherits ${status}`)
      const copies = byCode.get(String(code)) ?? new Map<ErrorClass, string>()
      copies.set(cls, where)
      byCode.set(String(code), copies)
    }
    expect(problems).toEqual([])
    // one class per failure: a code belongs to one class (aliases are the same class, so they are counted once).
    // ERR_TIMEOUT is the released code of both a logic query's and a routing command's time limit.
    const shared = [...byCode]
      .filter(([code, copies]) => copies.size > 1 && code !== 'ERR_TIMEOUT')
      .map(([code, copies]) => [code, [...copies.values()]])
    expect(shared).toEqual([])
  })

  it('instances carry their class code and status and are recognised by isIpfrsError', async () => {
    const classes = await errorClasses()
    let built = 0
    for (const [cls, where] of classes) {
      if (!Object.hasOwn(cls, 'code')) continue
      let err: IpfrsError
      try {
        const Ctor = cls as unknown as new (...args: unknown[]) => IpfrsError
        err = new Ctor('x', 1, [])
      } catch {
        continue // a constructor that needs real arguments; its static contract is checked above
      }
      built++
      expect([where, err.code, err.httpStatus, isIpfrsError(err), err.name]).toEqual([
        where,
        cls.code === 'ERR_DAEMON' ? 'x' : cls.code,
        cls.code === 'ERR_DAEMON' ? 1 : cls.httpStatus,
        true,
        cls.name,
      ])
    }
    expect(built).toBeGreaterThan(60)
  })

  it('no src file builds an IpfrsError from a code literal: each failure is a named subclass', () => {
    const literal = files.filter((f) => /new IpfrsError\(\s*['"`]/.test(readFileSync(f, 'utf8')))
    expect(literal.map((f) => relative(packagesDir, f))).toEqual([])
  })
})
