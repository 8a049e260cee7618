import { execFile } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/** Runs examples/<name> with this node, from the repo root; resolves to its stdout (a non-zero exit rejects). */
async function runExample(name: string): Promise<string> {
  const { stdout } = await run(process.execPath, [join(ROOT, 'examples', name)], { cwd: ROOT, timeout: 60_000 })
  return stdout
}

// Each example is a real program over the built packages: real repos in temp dirs, real sockets on 127.0.0.1.
describe('examples/', () => {
  it('basic-node.mjs adds, cats and pins hello with Kubo’s CID', async () => {
    const out = await runExample('basic-node.mjs')
    expect(out).toContain('added QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN')
    expect(out).toContain('cat "hello\\n"')
    expect(out).toContain('pinned QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN recursive')
    expect(out.trim().endsWith('stopped')).toBe(true)
  })

  it('storage-and-network.mjs fetches a block from one Repo+Network node to another over Bitswap', async () => {
    const out = await runExample('storage-and-network.mjs')
    expect(out).toContain('B has it before fetching: false')
    expect(out).toContain('B connected to A: 1 peer')
    expect(out).toMatch(/B fetched \d+ bytes over Bitswap; same bytes: true/)
    expect(out.trim().endsWith('stopped')).toBe(true)
  })

  it('semantic-alone.mjs ranks the HNSW document first for a graph-search query', async () => {
    const out = await runExample('semantic-alone.mjs')
    expect(out).toContain('indexed 4 documents')
    const hits = [...out.matchAll(/^hit (\S+) /gm)].map((m) => m[1])
    expect(hits[0]).toBe('doc:hnsw')
    const filtered = [...out.matchAll(/^filtered hit (\S+) /gm)].map((m) => m[1])
    expect(filtered.length).toBeGreaterThan(0)
    for (const cid of filtered) expect(cid?.startsWith('doc:b')).toBe(true)
  })

  it('tensors.mjs reads the Float32Array back equal and as a view', async () => {
    const out = await runExample('tensors.mjs')
    expect(out).toMatch(/^tensor CID bafy/m)
    expect(out).toContain('dtype F32 shape [3,4]')
    expect(out).toContain('values 0,0.25,0.5,0.75,1,1.25,1.5,1.75,2,2.25,2.5,2.75')
    expect(out).toContain('same values: true')
    expect(out).toContain('zero-copy view over the reassembled buffer: true')
  })

  it('logic.mjs answers, proves, snapshots and restores', async () => {
    const out = await runExample('logic.mjs')
    expect(out).toContain('reach(a, X): b c d')
    expect(out).toContain('grandparent(G, ann): tom')
    expect(out).toContain('proof of grandparent(tom, ann): parent(tom, bob), parent(bob, ann)')
    expect(out).toMatch(/restored stats \{"clauses":8,"facts":5,"rules":3,/)
  })
})
