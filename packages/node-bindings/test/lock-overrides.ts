/**
 * pnpm `overrides` that pin an outside project to the versions in the workspace's pnpm-lock.yaml. An offline install
 * resolves ranges against pnpm's metadata cache, whose newest versions may not be in the store; pinning every
 * dependency to the locked version (per parent where the lockfile holds several versions of a name) makes the
 * install use exactly what the store has.
 */
import { readFileSync } from 'node:fs'

function unquote(s: string): string {
  return s.trim().replace(/^'(.*)'$/, '$1')
}

/** Splits `name@version` (the name may start with `@`). */
function splitKey(key: string): [string, string] {
  const at = key.indexOf('@', 1)
  return [key.slice(0, at), key.slice(at + 1)]
}

/** Strips a peer suffix: `1.2.3(foo@1.0.0)` → `1.2.3`. */
function bare(version: string): string {
  const p = version.indexOf('(')
  return p === -1 ? version : version.slice(0, p)
}

/** Overrides pinning every locked package (all but `skip`) to its locked version. */
export function lockfileOverrides(lockfilePath: string, skip: ReadonlySet<string>): Record<string, string> {
  const lines = readFileSync(lockfilePath, 'utf8').split('\n')
  const versions = new Map<string, Set<string>>()
  const edges: Array<[string, string, string]> = [] // parent name@version, child, child version
  let section = ''
  let parent: string | undefined
  let inDeps = false
  for (const line of lines) {
    if (/^\S/.test(line)) {
      section = line.replace(/:.*$/, '')
      continue
    }
    if (section !== 'packages' && section !== 'snapshots') continue
    const m2 = /^ {2}(\S.*):\s*(\{\})?$/.exec(line)
    if (m2 !== null) {
      const key = unquote(m2[1] as string)
      const [name, version] = splitKey(key)
      if (section === 'packages') {
        if (!versions.has(name)) versions.set(name, new Set())
        versions.get(name)?.add(version)
      }
      parent = `${name}@${bare(version)}`
      inDeps = false
      continue
    }
    if (section !== 'snapshots' || parent === undefined) continue
    const m4 = /^ {4}(\w+):/.exec(line)
    if (m4 !== null) {
      inDeps = m4[1] === 'dependencies' || m4[1] === 'optionalDependencies'
      continue
    }
    const m6 = /^ {6}(\S.*?):\s+(\S+)$/.exec(line)
    if (m6 !== null && inDeps) edges.push([parent, unquote(m6[1] as string), bare(unquote(m6[2] as string))])
  }
  const out: Record<string, string> = {}
  for (const [name, vs] of versions) {
    if (!skip.has(name) && vs.size === 1) out[name] = [...vs][0] as string
  }
  for (const [p, child, version] of edges) {
    if (skip.has(child) || (versions.get(child)?.size ?? 0) < 2) continue
    out[`${p}>${child}`] = version
  }
  return out
}
