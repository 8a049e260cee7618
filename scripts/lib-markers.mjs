// Shared by scripts/cli-reference.mjs and scripts/bench-table.mjs: replace the text between two HTML-comment
// markers in README.md, or (with --check) only compare and exit 1 when it is stale.
import { readFileSync, writeFileSync } from 'node:fs'

/** The repo's top-level README.md. */
export const README = new URL('../README.md', import.meta.url).pathname

/**
 * Puts `body` between `<!-- name:start -->` and `<!-- name:end -->` in README.md. With `check`, writes nothing and
 * returns false when the README's text differs. Throws when the markers are missing.
 */
export function updateBetweenMarkers(name, body, { check = false } = {}) {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const text = readFileSync(README, 'utf8')
  const i = text.indexOf(start)
  const j = text.indexOf(end)
  if (i < 0 || j < i) throw new Error(`README.md has no ${start} … ${end} markers`)
  const next = `${text.slice(0, i + start.length)}\n${body.trimEnd()}\n${text.slice(j)}`
  if (check) return next === text
  if (next !== text) writeFileSync(README, next)
  return true
}

/** Runs `main(check)` where check is the --check flag; prints the outcome and sets the exit code. */
export function runUpdate(name, body, argv = process.argv.slice(2)) {
  const check = argv.includes('--check')
  const ok = updateBetweenMarkers(name, body, { check })
  if (check && !ok) {
    console.error(`README.md's ${name} section is stale: run node scripts/${name}.mjs`)
    process.exitCode = 1
  } else console.log(check ? `README.md's ${name} section is up to date` : `README.md's ${name} section written`)
}
