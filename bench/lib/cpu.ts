import { readFileSync } from 'node:fs'

/** CPU seconds (user + system, all threads) process `pid` has used so far, from /proc (NaN when it is gone). */
export function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks (100 per second on Linux)
  } catch {
    return Number.NaN
  }
}
