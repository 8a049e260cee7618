// What each kind of command loads: the CLI is started with a module recorder (fixtures/record-modules.mjs) and the
// test looks at the packages it resolved. The command tree must not load the node; an offline add must not load the
// network, Arrow, the solver or hnswlib; a command through a daemon must not open the repo or load libp2p; the node a
// daemon runs loads Arrow only when a tensor is encoded or decoded.
import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { testRepo } from './helpers.js'

const RECORDER = new URL('./fixtures/record-modules.mjs', import.meta.url).pathname

type Env = Awaited<ReturnType<typeof testRepo>>

/** The packages a run of `ipfrs <args>` loaded: npm names, and `@ipfrs/<folder>/<file>` for workspace files. */
async function loadedBy(env: Env, args: string[], name: string): Promise<Set<string>> {
  const file = join(env.dir, `${name}.modules`)
  const r = await env.ipfrs(args, undefined, {
    NODE_OPTIONS: `--import=${RECORDER}`,
    IPFRS_TEST_MODULES_FILE: file,
  })
  if (r.code !== 0) throw new Error(`ipfrs ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  const names = new Set<string>()
  for (const url of (await readFile(file, 'utf8')).split('\n')) {
    const npm = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
    const own = /\/packages\/([^/]+)\/dist\/(.+)\.js$/.exec(url)
    if (npm?.[1] !== undefined) names.add(npm[1])
    else if (own !== null) names.add(`@ipfrs/${own[1]}/${own[2]}`)
  }
  return names
}

/** libp2p and Helia, Arrow, hnswlib, the solver: what only some commands need. */
const NODE_HEAVY = [
  'libp2p',
  '@libp2p/kad-dht',
  '@libp2p/gossipsub',
  '@chainsafe/libp2p-quic',
  '@helia/bitswap',
  'apache-arrow',
  'hnswlib-node',
  '@ipfrs/network/index',
  '@ipfrs/semantic/index',
  '@ipfrs/tensorlogic/index',
  '@ipfrs/transport/index',
]

describe('what a command loads', () => {
  let env: Env | undefined
  afterEach(async () => {
    await env?.ipfrs(['daemon', 'stop'])
    await env?.cleanup()
    env = undefined
  })

  it('the command tree (ipfrs version) loads neither the node nor the repo', async () => {
    env = await testRepo()
    const loaded = await loadedBy(env, ['version'], 'version')
    expect(loaded.has('commander')).toBe(true)
    for (const heavy of [
      ...NODE_HEAVY,
      'multiformats',
      'ipfs-unixfs-importer',
      'classic-level',
      'cli-progress',
      '@ipfrs/core/index',
      '@ipfrs/storage/index',
      '@ipfrs/ipfrs/node',
    ]) {
      expect(loaded.has(heavy), heavy).toBe(false)
    }
  })

  it('an offline add opens the repo without the network, Arrow, the solver or the semantic index', async () => {
    env = await testRepo()
    const config = JSON.parse(await readFile(join(env.repo, 'config'), 'utf8')) as { Semantic?: { Enabled?: boolean } }
    expect(config.Semantic?.Enabled).toBe(true) // enabled, and still not loaded by a command that does not use it
    const loaded = await loadedBy(env, ['add', '-q', join(env.repo, 'config')], 'add')
    expect(loaded.has('ipfs-unixfs-importer')).toBe(true) // the recorder sees what actions import
    for (const heavy of [...NODE_HEAVY, 'ipfs-unixfs-exporter', '@ipld/car', 'cli-progress']) {
      expect(loaded.has(heavy), heavy).toBe(false)
    }
  })

  it('the commands that search load the semantic index', async () => {
    env = await testRepo()
    const loaded = await loadedBy(env, ['semantic', 'stats'], 'semantic')
    expect(loaded.has('hnswlib-node')).toBe(true)
    expect(loaded.has('libp2p')).toBe(false)
  })

  it('through a running daemon, a command talks HTTP and opens nothing', async () => {
    env = await testRepo()
    await env.ok(['daemon', '-d'])
    const cid = await env.ok(['add', '-q', join(env.repo, 'config')])
    for (const [name, args] of [
      ['id', ['id']],
      ['cat', ['cat', cid]],
      ['add', ['add', '-q', join(env.repo, 'config')]],
    ] as const) {
      const loaded = await loadedBy(env, [...args], `daemon-${name}`)
      expect(loaded.has('@ipfrs/cli/remote-node'), name).toBe(true)
      for (const heavy of [
        ...NODE_HEAVY,
        'classic-level',
        'ipfs-unixfs-importer',
        'ipfs-unixfs-exporter',
        'prom-client',
        'busboy',
        '@ipfrs/storage/index',
        '@ipfrs/ipfrs/node',
        '@ipfrs/interface/index',
      ]) {
        expect(loaded.has(heavy), `${name}: ${heavy}`).toBe(false)
      }
    }
  })

  it('the node a daemon runs loads Arrow only once a tensor is encoded or decoded', async () => {
    env = await testRepo()
    const ipfrsDir = new URL('../../ipfrs/', import.meta.url).pathname
    const run = (name: string, script: string) => {
      const file = join(env!.dir, `${name}.modules`)
      const r = spawnSync(process.execPath, [`--import=${RECORDER}`, '--input-type=module', '-e', script], {
        cwd: ipfrsDir,
        env: { ...process.env, IPFRS_TEST_MODULES_FILE: file },
      })
      if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`)
      return readFile(file, 'utf8')
    }
    const node = await run('node', "await import('ipfrs')")
    expect(node).toContain('/transport/dist/index.js')
    expect(node).not.toContain('/node_modules/apache-arrow/')
    const tensor = await run(
      'tensor',
      "const t = await import('@ipfrs/transport'); t.decodeArrowIpc(t.encodeArrowIpc(new Float32Array([1]), 'F32'))",
    )
    expect(tensor).toContain('/node_modules/apache-arrow/')
  })
})
