import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { Node } from '../src/index.js'

const require = createRequire(import.meta.url)

/** The methods (not getters) a class's prototype defines, sorted. */
function methodsOf(proto: object): string[] {
  return Object.entries(Object.getOwnPropertyDescriptors(proto))
    .filter(([name, d]) => name !== 'constructor' && typeof d.value === 'function')
    .map(([name]) => name)
    .sort()
}

/** Getters, sorted. */
function gettersOf(proto: object): string[] {
  return Object.entries(Object.getOwnPropertyDescriptors(proto))
    .filter(([, d]) => typeof d.get === 'function')
    .map(([name]) => name)
    .sort()
}

describe('the CommonJS entry (cjs/index.cjs) has the ESM Node’s shape', () => {
  const cjs = require('../cjs/index.cjs') as { Node: new (config: unknown) => object }

  it('the same methods: one added to src/node.ts and not to the CJS list (or the other way) fails here', () => {
    expect(methodsOf(cjs.Node.prototype)).toEqual(methodsOf(Node.prototype))
  })

  it('the same properties (CJS getters for the ESM getters and fields)', () => {
    const fields = Object.keys(new Node({ repoPath: '/nonexistent/ipfrs-esm-shape' }))
    expect(gettersOf(cjs.Node.prototype)).toEqual([...gettersOf(Node.prototype), ...fields].sort())
  })

  it('before start, every async method rejects with ERR_NOT_STARTED (none is missing its wrapper)', async () => {
    const node = new cjs.Node({ repoPath: '/nonexistent/ipfrs-cjs-shape' }) as Record<string, unknown>
    const sync = new Set(['start', 'stop', 'kbStats', 'addresses'])
    for (const name of methodsOf(Node.prototype).filter((n) => !sync.has(n))) {
      const call = (node[name] as (...args: unknown[]) => Promise<unknown>)()
      await expect(call, name).rejects.toMatchObject({ code: 'ERR_NOT_STARTED' })
    }
  })
})
