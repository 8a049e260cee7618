import { execFile } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/** Runs scripts/<name> with `args` from the repo root; resolves to { code, stdout, stderr } whatever the exit. */
async function script(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'scripts', name), ...args], {
      cwd: ROOT,
      timeout: 60_000,
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

describe('top-level README', () => {
  it('has a CLI reference that matches the built CLI’s --help (else: node scripts/cli-reference.mjs)', async () => {
    const { code, stdout, stderr } = await script('cli-reference.mjs', ['--check'])
    expect(stderr).toBe('')
    expect(stdout).toContain('up to date')
    expect(code).toBe(0)
  })
})
