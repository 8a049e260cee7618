// Writes the CLI reference into README.md between <!-- cli-reference:start --> and <!-- cli-reference:end -->:
// one line per command and subcommand, taken from the help text of the built CLI (packages/cli/dist), so the table
// cannot drift from the program. The help of every command is read in-process from the same commander program
// `ipfrs` runs (what `ipfrs <command> --help` prints); the top level is also checked against a real
// `ipfrs --help` child process.
//   node scripts/cli-reference.mjs          rewrite the section
//   node scripts/cli-reference.mjs --check  exit 1 if the section differs from what --help says now
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runUpdate } from './lib-markers.mjs'

const DIST = new URL('../packages/cli/dist/', import.meta.url).pathname
const { buildProgram } = await import(join(DIST, 'program.js'))

/** The text `ipfrs <path…> --help` prints, from the program's command objects. */
function help(path) {
  let cmd = buildProgram()
  for (const name of path) {
    cmd = cmd.commands.find((c) => c.name() === name)
    if (cmd == null) throw new Error(`no command ipfrs ${path.join(' ')}`)
  }
  return cmd.helpInformation()
}

/** The real `ipfrs --help`, run as a child process with an empty repo dir (never a user's ~/.ipfrs). */
function realHelp() {
  const home = mkdtempSync(join(tmpdir(), 'ipfrs-cli-ref-'))
  try {
    return execFileSync(process.execPath, [join(DIST, 'bin.js'), '--help'], {
      encoding: 'utf8',
      env: { ...process.env, IPFRS_PATH: home },
    })
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

/** The entries of a commander "Commands:" section: { usage, description } with wrapped lines joined. */
function commands(text) {
  const section = text.split(/^Commands:\n/m)[1]
  if (section == null) return []
  const out = []
  for (const line of section.split('\n')) {
    if (line.trim() === '') break
    const m = /^ {2}(\S.*?)(?: {2,}(.*))?$/.exec(line)
    if (m != null && !line.startsWith('   ')) out.push({ usage: m[1].trim(), description: (m[2] ?? '').trim() })
    else if (out.length > 0) out[out.length - 1].description += ` ${line.trim()}`
  }
  return out.filter((c) => !c.usage.startsWith('help '))
}

/** The first sentence of a description (the rest is in `--help`). */
function firstSentence(text) {
  const m = /^(.*?(?<!\be\.g|\bi\.e)[.!?])(\s|$)/.exec(text.trim())
  return (m?.[1] ?? text.trim()).replaceAll('|', '\\|')
}

/** Rows for the commands under `path`, subcommands after their parent. */
function rows(path, text) {
  const out = []
  for (const c of commands(text)) {
    const name = c.usage.split(' ')[0]
    const args = c.usage.slice(name.length).trim()
    out.push(
      `| \`ipfrs ${[...path, name].join(' ')}${args === '' ? '' : ` ${args}`}\` | ${firstSentence(c.description)} |`,
    )
    const sub = help([...path, name])
    if (/^Commands:/m.test(sub)) out.push(...rows([...path, name], sub))
  }
  return out
}

const top = help([])
const names = (text) => commands(text).map((c) => c.usage)
if (JSON.stringify(names(realHelp())) !== JSON.stringify(names(top))) {
  throw new Error('`ipfrs --help` lists other commands than the program object: rebuild packages/cli')
}
const table = [
  'Generated from `ipfrs --help` by `node scripts/cli-reference.mjs` (a test fails when it is stale). Every command',
  'takes `--json`, `--repo-dir <path>` and `--debug`; `ipfrs <command> --help` gives its options.',
  '',
  '| command | what |',
  '| --- | --- |',
  ...rows([], top),
].join('\n')
runUpdate('cli-reference', table)
