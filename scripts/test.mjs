// Runs lint, then every package's tests in one vitest process (projects), and prints one closing line
// "N passed, N failed[, N skipped]" that CI reads. Exit code 0 only when lint passes and no test failed.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1

const lint = run('pnpm', ['-s', 'exec', 'biome', 'check', '--error-on-warnings', '.'])
const tmp = mkdtempSync(join(tmpdir(), 'ipfrs-test-report-'))
const report = join(tmp, 'vitest.json')
const status = run('pnpm', [
  '-s',
  'exec',
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
])
let passed = 0
let failed = 0
let skipped = 0
try {
  const r = JSON.parse(readFileSync(report, 'utf8'))
  passed = r.numPassedTests
  // a file that fails to load has no failed tests, only a failed suite: count it then
  failed = r.numFailedTests || r.numFailedTestSuites || 0
  skipped = r.numPendingTests + r.numTodoTests
} catch {
  failed = Math.max(failed, 1)
}
rmSync(tmp, { recursive: true, force: true })
if (lint !== 0) console.log('lint failed (biome check .)')
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(lint !== 0 || status !== 0 || failed > 0 ? 1 : 0)
