/**
 * Pack-and-install checks: `pnpm pack` workspace packages (and every workspace package they depend on), install the
 * tarballs into an empty project, and run plain node scripts there. Needs the packages built
 * (`pnpm turbo run build`): the tarballs hold `dist`.
 *
 * The install lays out node_modules the way pnpm does, without asking any registry or cache: each tarball is unpacked
 * into its own folder whose sibling node_modules holds exactly the dependencies the PACKED manifest declares — the
 * other unpacked tarballs, and for registry packages the copy the workspace already installed at that exact version.
 * So a file missing from the tarball's `files`, a wrong `exports` entry, a `workspace:` range left unrewritten or an
 * import of an undeclared package fails here as it would for a user, and nothing depends on what pnpm's metadata cache
 * happened to hold (an offline `pnpm install` needs it, and a frozen install never fills it).
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs'
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The monorepo root. */
export const WORKSPACE = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

interface Manifest {
  name: string
  version: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest
}

/** Workspace package name → its folder. */
function workspacePackages(): Map<string, string> {
  const out = new Map<string, string>()
  const root = join(WORKSPACE, 'packages')
  for (const dir of readdirSync(root).filter((d) => !d.startsWith('.'))) {
    if (existsSync(join(root, dir, 'package.json'))) out.set(readManifest(join(root, dir)).name, join(root, dir))
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
    for (const [dep, range] of Object.entries(readManifest(dir).dependencies ?? {})) {
      if (range.startsWith('workspace:')) visit(dep)
    }
  }
  for (const n of names) visit(n)
  return [...seen]
}

/** The environment for child pnpm/node processes (the same node and pnpm as this process). */
export function childEnv(): NodeJS.ProcessEnv {
  const nodeBin = dirname(process.execPath)
  return { ...process.env, PATH: `${nodeBin}:${process.env.PATH ?? ''}`, CI: 'true' }
}

async function exec(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { cwd, env: childEnv(), maxBuffer: 64 * 1024 * 1024 })
    return stdout
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string }
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, { cause: err })
  }
}

/**
 * The folder of `name` as installed in the workspace at exactly `version`: first as a dependency of the workspace
 * package `from` (what that package was built and tested against), else anywhere in pnpm's virtual store.
 */
function installedCopy(name: string, version: string, from: string | undefined): string {
  const candidates: string[] = []
  if (from !== undefined) candidates.push(join(from, 'node_modules', name))
  const store = join(WORKSPACE, 'node_modules', '.pnpm')
  const prefix = `${name.replace('/', '+')}@${version}`
  for (const entry of readdirSync(store)) {
    if (entry === prefix || entry.startsWith(`${prefix}_`)) candidates.push(join(store, entry, 'node_modules', name))
  }
  for (const c of candidates) {
    if (existsSync(join(c, 'package.json')) && readManifest(c).version === version) return realpathSync(c)
  }
  throw new Error(`${name}@${version} is not installed in the workspace (run pnpm install)`)
}

/** An exact version, or an error: the workspace pins every dependency, so a range here is a packing mistake. */
function exact(owner: string, dep: string, range: string): string {
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(range))
    throw new Error(`${owner} declares ${dep}@${range}, not an exact version`)
  return range
}

async function link(target: string, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await symlink(target, path, 'dir')
}

/**
 * Packs `packages` and their workspace dependencies into `<tmpDir>/tarballs`, then creates `<tmpDir>/project` that
 * depends on `packages` and on `extra` (registry packages at exact versions the workspace has installed), installed
 * as described at the top of this file. Returns the project directory.
 */
export async function packAndInstall(
  packages: string[],
  tmpDir: string,
  extra: Record<string, string> = {},
): Promise<string> {
  const tarballs = join(tmpDir, 'tarballs')
  const project = join(tmpDir, 'project')
  const virtual = join(project, 'node_modules', '.ipfrs-pack')
  await mkdir(tarballs, { recursive: true })
  await mkdir(virtual, { recursive: true })
  const all = workspacePackages()
  /** packed name → the folder its tarball was unpacked into */
  const unpacked = new Map<string, string>()
  for (const name of workspaceClosure(packages)) {
    const before = new Set(await readdir(tarballs))
    await exec('pnpm', ['pack', '--pack-destination', tarballs], all.get(name) as string)
    const added = (await readdir(tarballs)).filter((f) => !before.has(f))
    if (added.length !== 1) throw new Error(`pnpm pack of ${name} made ${added.length} tarballs`)
    // as pnpm's .pnpm/<name>@<version>/node_modules/<name>: its dependencies are its siblings
    const dir = join(virtual, name.replace('/', '+'), 'node_modules', name)
    await mkdir(dir, { recursive: true })
    // npm tarballs hold one folder, `package/`
    await exec('tar', ['-xzf', join(tarballs, added[0] as string), '-C', dir, '--strip-components=1'], tmpDir)
    unpacked.set(name, dir)
  }
  for (const [name, dir] of unpacked) {
    const m = readManifest(dir)
    if (m.name !== name) throw new Error(`the tarball of ${name} holds ${m.name}`)
    const siblings = join(virtual, name.replace('/', '+'), 'node_modules')
    const deps = { ...m.dependencies, ...m.peerDependencies }
    for (const [dep, range] of Object.entries({ ...m.optionalDependencies, ...deps })) {
      const version = exact(name, dep, range)
      const packed = unpacked.get(dep)
      let target: string
      if (packed !== undefined) {
        const got = readManifest(packed).version
        if (got !== version) throw new Error(`${name} wants ${dep}@${version}, the workspace packed ${got}`)
        target = packed
      } else {
        try {
          target = installedCopy(dep, version, all.get(name))
        } catch (err) {
          if (dep in deps) throw err
          continue // an optional dependency this platform does not install
        }
      }
      await link(target, join(siblings, dep))
    }
  }
  for (const name of packages) await link(unpacked.get(name) as string, join(project, 'node_modules', name))
  for (const [name, version] of Object.entries(extra)) {
    await link(installedCopy(name, version, undefined), join(project, 'node_modules', name))
  }
  const manifest = {
    name: 'ipfrs-pack-check',
    version: '0.0.0',
    private: true,
    dependencies: {
      ...extra,
      ...Object.fromEntries(packages.map((p) => [p, readManifest(unpacked.get(p) as string).version])),
    },
  }
  await writeFile(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  return project
}

/** Writes `source` to `<project>/<file>` and runs it with node; returns the parsed JSON of its last stdout line. */
export async function runScript(project: string, file: string, source: string): Promise<unknown> {
  await writeFile(join(project, file), source)
  const { stdout } = await run(process.execPath, [file], { cwd: project, env: childEnv(), timeout: 60_000 })
  const lines = stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1] ?? 'null')
}
