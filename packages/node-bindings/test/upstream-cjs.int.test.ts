import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Node } from '../src/index.js'

const run = promisify(execFile)
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..')

describe('a CommonJS program written for the original bindings (@cool-japan/ipfrs-node) runs unchanged', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfrs-upstream-'))
    // the built package, found by name as an app would (through its exports map's "require" entry)
    await mkdir(join(dir, 'node_modules', '@ipfrs'), { recursive: true })
    await symlink(pkg, join(dir, 'node_modules', '@ipfrs', 'node-bindings'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function program(storage: string): Promise<Record<string, unknown>> {
    const script = join(dir, 'program.cjs')
    await run('cp', [join(pkg, 'test', 'fixtures', 'upstream-program.cjs'), script])
    const { stdout } = await run(process.execPath, [script, storage], { cwd: dir, timeout: 60_000 })
    const steps: Record<string, unknown> = {}
    for (const line of stdout.trim().split('\n')) {
      const { step, value } = JSON.parse(line) as { step: string; value: unknown }
      steps[step] = value
    }
    return steps
  }

  it('blocks, 128-d vectors with no dimension configured, object facts/rules/goals, kbStats', async () => {
    const storage = join(dir, 'store')
    const steps = await program(storage)
    expect(steps.block).toMatchObject({ text: 'Hello, IPFRS!', has: true })
    const search = steps.search as { first: string; expected: string; count: number; score: number }
    expect(search.count).toBe(5)
    expect(search.first).toBe(search.expected) // the document whose vector the query is nearest to
    expect(steps['sync-add']).toEqual({ fact: 'string', rule: 'string' }) // not promises: synchronous calls
    expect(steps.infer).toEqual(["X = 'Alice'"])
    expect(steps.prove).toContain("grandparent('Alice','Charlie')".replace(/,/g, ', '))
    expect(steps['prove-none']).toBeNull()
    expect(steps.stats).toEqual({ numFacts: 2, numRules: 1 })

    // the first vector set the dimension, with word hashing for texts (the default text model is 512-d only)
    const config = JSON.parse(await readFile(join(storage, 'config'), 'utf8')) as { Semantic: object }
    expect(config.Semantic).toMatchObject({ Embedder: 'hashing', Dimension: 128 })
    // what it stored is there for the next run: the index kept 128 dimensions, the KB its clauses
    const again = new Node({ storagePath: storage })
    await again.start()
    try {
      expect(again.kbStats()).toMatchObject({ numFacts: 2, numRules: 1 })
      expect(await again.searchSimilar(new Array(128).fill(0.5), 3)).toHaveLength(3)
      await expect(again.indexContent(search.first, [1, 2, 3])).rejects.toMatchObject({
        code: 'ERR_DIMENSION_MISMATCH',
      })
      expect(
        again.infer({
          name: 'parent',
          args: [
            { kind: 'var', value: 'who' },
            { kind: 'string', value: 'Bob' },
          ],
        }),
      ).toEqual(["who = 'Alice'"])
    } finally {
      await again.stop()
    }
  }, 120_000)

  it('a malformed term is a typed error', async () => {
    const node = new Node({ storagePath: join(dir, 'bad') })
    await node.start()
    try {
      expect(() => node.addFact({ name: 'p', args: [{ kind: 'int', value: 'x' }] })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_PARAMETER' }),
      )
      expect(() => node.addFact({ name: 'p', args: [{ kind: 'tuple' as never, value: '1' }] })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_PARAMETER' }),
      )
      // a text change still running: the synchronous form says so with a typed error instead of racing it
      const pending = node.addFact('q(1).')
      expect(() => node.addFact({ name: 'q', args: [{ kind: 'int', value: 2 }] })).toThrow(
        expect.objectContaining({ code: 'ERR_LOGIC_NOT_READY' }),
      )
      await pending
      expect(typeof node.addFact({ name: 'q', args: [{ kind: 'int', value: 2 }] })).toBe('string')
      expect(node.infer({ name: 'q', args: [{ kind: 'var', value: 'N' }] })).toEqual(['N = 1', 'N = 2'])
    } finally {
      await node.stop()
    }
  })
})
