// Runs the static checks (biome; knip for undeclared and unused dependencies; tsc over the tests), then every
// package's tests in one vitest process (projects), and prints one closing line "N passed, N failed[, N skipped]" that
// CI reads, after a "lint failed (...)" line for each check that failed. Exit code 0 only when every check passes and
// no test failed.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1

const KNIP = ['-s', 'exec', 'knip', '--no-progress']
const CHECKS = [
  ['biome check .', ['-s', 'exec', 'biome', 'check', '--error-on-warnings', '.']],
  // an import of a package the importer's package.json does not list, or a listed package nothing imports
  ['knip: undeclared or unused dependencies', [...KNIP, '--include', 'dependencies,unlisted,unresolved,binaries']],
  // a "dependencies" entry that only tests use belongs in devDependencies
  ['knip --production: dependencies only tests use', [...KNIP, '--production', '--include', 'dependencies']],
  // src is type-checked by the build; this adds every package's test/ (tsconfig.test.json)
  ['tsc -p tsconfig.test.json: tests type-check', ['-s', 'exec', 'tsc', '-p', 'tsconfig.test.json']],
]
const lintFailures = CHECKS.filter(([, args]) => run('pnpm', args) !== 0).map(([name]) => name)
const lint = lintFailures.length === 0 ? 0 : 1
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
for (const name of lintFailures) console.log(`lint failed (${name})`)
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(lint !== 0 || status !== 0 || failed > 0 ? 1 : 0)
