/**
 * Pack-and-install checks: `pnpm pack` workspace packages (and every workspace package they depend on), install the
 * tarballs into an empty project OFFLINE from the workspace's pnpm store, and run plain node scripts there.
 * Needs the packages built (`pnpm turbo run build`): the tarballs hold `dist`.
 */
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { lockfileOverrides } from './lock-overrides.js'

const run = promisify(execFile)

/** The monorepo root. */
export const WORKSPACE = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/** Native dependencies whose install scripts must run (as the workspace's `onlyBuiltDependencies`). */
const NATIVE = ['classic-level', 'hnswlib-node', 'lz4-napi', 'snappy']

interface Manifest {
  name: string
  dependencies?: Record<string, string>
}

/** Workspace package name → its folder. */
function workspacePackages(): Map<string, string> {
  const out = new Map<string, string>()
  const root = join(WORKSPACE, 'packages')
  for (const dir of readdirSync(root).filter((d) => !d.startsWith('.'))) {
    try {
      const m = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Manifest
      out.set(m.name, join(root, dir))
    } catch {
      // not a package
    }
  }
  return out
}

/** `names` plus every workspace package they depend on, transitively. */
export function workspaceClosure(names: string[]): string[] {
  const all = workspacePackages()
  const seen = new Set<string>()
  const visit = (name: string): void => {
    if (seen.has(name)) return
    const dir = all.get(name)
    if (dir === undefined) throw new Error(`${name} is not a workspace package`)
    seen.add(name)
    const m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest
    for (const [dep, range] of Object.entries(m.dependencies ?? {})) if (range.startsWith('workspace:')) visit(dep)
  }
  for (const n of names) visit(n)
  return [...seen]
}

/** The environment for child pnpm/node processes (the same node and pnpm as this process, no network config). */
export function childEnv(): NodeJS.ProcessEnv {
  const nodeBin = dirname(process.execPath)
  return { ...process.env, PATH: `${nodeBin}:${process.env.PATH ?? ''}`, CI: 'true' }
}

async function pnpm(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run('pnpm', args, { cwd, env: childEnv(), maxBuffer: 64 * 1024 * 1024 })
    return stdout
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string }
    throw new Error(`pnpm ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, { cause: err })
  }
}

/**
 * Packs `packages` and their workspace dependencies into `<tmpDir>/tarballs`, then creates `<tmpDir>/project` whose
 * package.json depends on the tarballs of `packages` (overrides point every packed name at its tarball) and installs
 * it with `pnpm install --offline` from the workspace's store. `extra` adds registry packages at exact versions (they
 * must be in the store, e.g. versions the workspace uses). Returns the project directory.
 */
export async function packAndInstall(
  packages: string[],
  tmpDir: string,
  extra: Record<string, string> = {},
): Promise<string> {
  const tarballs = join(tmpDir, 'tarballs')
  const project = join(tmpDir, 'project')
  await mkdir(tarballs, { recursive: true })
  await mkdir(project, { recursive: true })
  const all = workspacePackages()
  const files = new Map<string, string>()
  for (const name of workspaceClosure(packages)) {
    const dir = all.get(name) as string
    const before = new Set(await readdir(tarballs))
    await pnpm(['pack', '--pack-destination', tarballs], dir)
    const added = (await readdir(tarballs)).filter((f) => !before.has(f))
    if (added.length !== 1) throw new Error(`pnpm pack of ${name} made ${added.length} tarballs`)
    files.set(name, `file:${join(tarballs, added[0] as string)}`)
  }
  const manifest = {
    name: 'ipfrs-pack-check',
    version: '0.0.0',
    private: true,
    dependencies: { ...extra, ...Object.fromEntries(packages.map((p) => [p, files.get(p)])) },
    pnpm: {
      overrides: {
        ...lockfileOverrides(join(WORKSPACE, 'pnpm-lock.yaml'), new Set(all.keys())),
        ...Object.fromEntries(files),
      },
      onlyBuiltDependencies: NATIVE,
    },
  }
  await writeFile(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  await writeFile(join(project, '.npmrc'), 'auto-install-peers=false\nstrict-peer-dependencies=false\n')
  const store = (await pnpm(['store', 'path'], WORKSPACE)).trim()
  await pnpm(['install', '--offline', '--store-dir', store, '--config.confirmModulesPurge=false'], project)
  return project
}

/** Writes `source` to `<project>/<file>` and runs it with node; returns the parsed JSON of its last stdout line. */
export async function runScript(project: string, file: string, source: string): Promise<unknown> {
  await writeFile(join(project, file), source)
  const { stdout } = await run(process.execPath, [file], { cwd: project, env: childEnv(), timeout: 60_000 })
  const lines = stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1] ?? 'null')
}
