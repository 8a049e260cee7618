// Writes the benchmark summary table into README.md between <!-- bench-table:start --> and <!-- bench-table:end -->:
// one row per bench/results/*.md (what ./run bench writes): its title, date, and the ratios it reports against
// its baseline (the first column whose header says "vs", "ratio", "×" or "a / b").
//   node scripts/bench-table.mjs           rewrite the section
//   node scripts/bench-table.mjs --check   exit 1 if the section differs from bench/results/ now
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runUpdate } from './lib-markers.mjs'

const RESULTS = new URL('../bench/results/', import.meta.url).pathname
const MAX_RATIOS = 4

/** The cells of a markdown table line. */
const cells = (line) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim())

/** Title, date and the first table (header + rows) of a report written by bench/lib/report.ts. */
function parse(markdown) {
  const lines = markdown.split('\n')
  const title = (lines.find((l) => l.startsWith('# ')) ?? '').slice(2).trim()
  const date = /(\d{4}-\d{2}-\d{2})\.\s*$/m.exec(markdown)?.[1] ?? ''
  const start = lines.findIndex((l) => l.startsWith('|'))
  if (start < 0) return { title, date, header: [], rows: [] }
  const header = cells(lines[start])
  const rows = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    const row = cells(line)
    if (row.length !== header.length) break // a second table glued to the first
    rows.push(row)
  }
  return { title, date, header, rows }
}

/** "label ratio" for the rows whose ratio is not the baseline's 1.00, at most MAX_RATIOS of them. */
function ratios({ header, rows }) {
  const col = header.findIndex((h) => /(^|\s)vs\b|ratio|×|^\S+ \/ \S+/i.test(h))
  if (col < 0) return ''
  const labels = header
    .map((h, i) => (i === col || /^\d|ms|MiB|MB|s\)|req|QPS|p\d/.test(h) ? -1 : i))
    .filter((i) => i >= 0)
  const picked = rows.filter((r) => r[col] !== '' && r[col] !== '1.00' && r[col] !== '1.000' && r[col] !== '1')
  const shown = picked.slice(0, MAX_RATIOS).map((r) => {
    const label = labels
      .map((i) => r[i])
      .filter((v) => v != null && v !== '' && !/^[\d.]+$/.test(v))
      .slice(0, 2)
      .join(', ')
    return `${label === '' ? `${header[0]} ${r[0]}` : label}: ${r[col]}`
  })
  const more = picked.length > MAX_RATIOS ? ` (+${picked.length - MAX_RATIOS} more)` : ''
  return `${header[col]} — ${shown.join('; ')}${more}`.replaceAll('|', '\\|')
}

const files = readdirSync(RESULTS)
  .filter((f) => f.endsWith('.md'))
  .sort()
const table = [
  'Generated from [bench/results/](bench/results/) by `node scripts/bench-table.mjs`; each linked file has the',
  'full table, the machine and the method.',
  '',
  '| bench | what | date | ratios vs its baseline (same run) |',
  '| --- | --- | --- | --- |',
  ...files.map((f) => {
    const report = parse(readFileSync(join(RESULTS, f), 'utf8'))
    const name = f.slice(0, -3)
    return `| [${name}](bench/results/${f}) | ${report.title.replaceAll('|', '\\|')} | ${report.date} | ${ratios(report)} |`
  }),
].join('\n')
runUpdate('bench-table', table)
