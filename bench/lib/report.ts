import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'

export const RESULTS = new URL('../results/', import.meta.url).pathname

/** One row of a results table. */
export type Row = Record<string, string | number>

/** Writes `<name>.json` (rows plus machine info) and `<name>.md` (a table and notes) to bench/results/. */
export function writeReport(name: string, title: string, rows: Row[], notes: string[] = []): void {
  mkdirSync(RESULTS, { recursive: true })
  const machine = {
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memGiB: Math.round(totalmem() / 2 ** 30),
  }
  writeFileSync(
    join(RESULTS, `${name}.json`),
    `${JSON.stringify({ name, title, date: new Date().toISOString(), machine, rows, notes }, null, 2)}\n`,
  )
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const md = [
    `# ${title}`,
    '',
    `Node ${machine.node}, ${machine.cpus} cores (${machine.cpu}), ${new Date().toISOString().slice(0, 10)}.`,
    '',
    `| ${cols.join(' | ')} |`,
    `| ${cols.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${cols.map((c) => String(r[c] ?? '')).join(' | ')} |`),
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n')
  writeFileSync(join(RESULTS, `${name}.md`), md)
  console.log(md)
}

/** The median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export const MiB = 1024 * 1024
