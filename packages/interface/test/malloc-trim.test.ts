import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { mallocTrimmer } from '../src/malloc-trim.js'

const MiB = 1024 * 1024

describe('mallocTrimmer', () => {
  it.runIf(process.platform === 'linux')('gives the free pages inside malloc’s heap back to the system', () => {
    const trim = mallocTrimmer()
    expect(trim).toBeTypeOf('function')
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as (o?: object) => void
    trim?.()
    // 64 MiB of small native buffers (malloc'd, below glibc's mmap threshold), one in 16 kept: once the rest are
    // freed, the kept ones pin the pages around them, so glibc cannot give the space back by trimming its top
    let buffers: Buffer[] = []
    for (let i = 0; i < 16_384; i++) buffers.push(Buffer.allocUnsafeSlow(4096).fill(i))
    const kept = buffers.filter((_, i) => i % 16 === 0)
    buffers = []
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' })
    const before = process.memoryUsage().rss
    trim?.()
    const after = process.memoryUsage().rss
    expect(kept.length).toBe(1024)
    expect(before - after).toBeGreaterThan(32 * MiB)
  })
})
