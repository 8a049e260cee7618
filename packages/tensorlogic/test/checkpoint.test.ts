import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cidOf } from '@ipfrs/core'
import * as raw from 'multiformats/codecs/raw'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GradientCheckpoint } from '../src/graph/checkpoint.js'
import { CorruptCheckpointError } from '../src/graph/graph-errors.js'

/**
 * The deterministic bytes of tensor `name` at `step`. Kept as source text because the child process runs the same
 * function (vitest rewrites imports inside functions, so `fn.toString()` would not run outside it).
 */
const TENSOR_AT = `function tensorAt(name, step, size) {
  const out = new Uint8Array(size)
  let seed = createHash('sha256').update(name + ':' + step).digest().readUInt32LE(0) | 1
  for (let i = 0; i < size; i++) {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    out[i] = seed & 0xff
  }
  return out
}`
const tensorAt = new Function('createHash', `${TENSOR_AT}\nreturn tensorAt`)(createHash) as (
  name: string,
  step: number,
  size: number,
) => Uint8Array

const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.from(a).equals(b)

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  )
}

describe('GradientCheckpoint', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfrs-ckpt-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('saves, resumes in a new instance, keeps the last N and collects the rest', async () => {
    const cp = await GradientCheckpoint.open(dir, { keep: 2 })
    await expect(cp.load()).rejects.toMatchObject({ code: 'ERR_CHECKPOINT_NOT_FOUND' })
    const root = cidOf(new Uint8Array([1, 2, 3]), raw.code)
    const frozen = tensorAt('frozen', 0, 4096) // the same every step: stored once
    for (let step = 1; step <= 4; step++)
      await cp.save({
        step: step * 100,
        tensors: { w: tensorAt('w', step, 10_000), frozen },
        graphRoot: root,
        metadata: { lr: 0.1 / step, note: `step ${step}` },
      })
    const again = await GradientCheckpoint.open(dir, { keep: 2 })
    const list = await again.list()
    expect(list.map((c) => c.step)).toEqual([400, 300])
    expect(list.map((c) => c.seq)).toEqual([4, 3])
    const latest = await again.load()
    expect(latest.step).toBe(400)
    expect(same(latest.tensors.get('w'), tensorAt('w', 4, 10_000))).toBe(true)
    expect(same(latest.tensors.get('frozen'), frozen)).toBe(true)
    expect(latest.graphRoot?.equals(root)).toBe(true)
    expect(latest.metadata).toEqual({ lr: 0.025, note: 'step 4' })
    expect((await again.load(3)).step).toBe(300)
    await expect(again.load(1)).rejects.toMatchObject({ code: 'ERR_CHECKPOINT_NOT_FOUND' })
    // two manifests; blobs: w@3, w@4 and the shared frozen tensor
    expect(await readdir(join(dir, 'manifests'))).toHaveLength(2)
    expect(await readdir(join(dir, 'blobs'))).toHaveLength(3)
  })

  it('rejects bad input with ERR_INVALID_CHECKPOINT', async () => {
    const cp = await GradientCheckpoint.open(dir)
    const bad = [
      { step: -1, tensors: {} },
      { step: 1.5, tensors: {} },
      { step: 1, tensors: { x: 'not bytes' } },
      { step: 1, tensors: { '': new Uint8Array(1) } },
      { step: 1, tensors: {}, graphRoot: 'bafy' },
      { step: 1, tensors: {}, metadata: { big: 10n } },
    ]
    for (const state of bad)
      await expect(cp.save(state as never)).rejects.toMatchObject({ code: 'ERR_INVALID_CHECKPOINT' })
    expect(await cp.list()).toEqual([])
    await expect(
      cp.save({ step: 1, tensors: { w: new Uint8Array(8) } }, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' })
    expect(await cp.list()).toEqual([])
  })

  it('detects corrupt files by hash and still loads the previous good checkpoint', async () => {
    const cp = await GradientCheckpoint.open(dir, { keep: 3 })
    await cp.save({ step: 1, tensors: { w: tensorAt('w', 1, 5000) } })
    await cp.save({ step: 2, tensors: { w: tensorAt('w', 2, 5000) } })
    const blob = join(
      dir,
      'blobs',
      createHash('sha256')
        .update(tensorAt('w', 2, 5000))
        .digest('hex'),
    )
    const bytes = await readFile(blob)
    bytes[1234] = bytes[1234]! ^ 0x40 // one flipped bit, same length
    await writeFile(blob, bytes)
    const err = await errorOf(cp.load())
    expect(err).toBeInstanceOf(CorruptCheckpointError)
    expect(err).toMatchObject({ code: 'ERR_CORRUPT_CHECKPOINT' })
    expect(same((await cp.load(1)).tensors.get('w'), tensorAt('w', 1, 5000))).toBe(true)
    expect((await cp.loadLatestValid()).step).toBe(1)

    // a damaged manifest is caught too
    const s3 = await cp.save({ step: 3, tensors: { w: tensorAt('w', 3, 5000) } })
    await writeFile(join(dir, 'manifests', `${s3.id}.json`), '{"version":1,"tensors":[]}')
    await expect(cp.load()).rejects.toMatchObject({ code: 'ERR_CORRUPT_CHECKPOINT' })
    expect((await cp.loadLatestValid()).step).toBe(1)
    // saving the damaged tensor again repairs its blob
    await cp.save({ step: 4, tensors: { w: tensorAt('w', 2, 5000) } })
    expect(same((await cp.load()).tensors.get('w'), tensorAt('w', 2, 5000))).toBe(true)

    // a damaged HEAD is a typed error, not a crash
    await writeFile(join(dir, 'HEAD'), '{"version":1,"checkpoints":[],"sum":"00"}')
    await expect(cp.list()).rejects.toMatchObject({ code: 'ERR_CORRUPT_CHECKPOINT' })
    await expect(cp.save({ step: 5, tensors: {} })).rejects.toMatchObject({ code: 'ERR_CORRUPT_CHECKPOINT' })
    // recover() rebuilds HEAD from the manifests that verify: 4, and 2 (its blob was repaired by step 4); 3 is
    // damaged and 1 was collected when 4 was saved (keep 3)
    expect((await cp.recover()).map((c) => c.step)).toEqual([4, 2])
    expect((await cp.load()).step).toBe(4)
    expect((await cp.save({ step: 5, tensors: {} })).seq).toBe(5)
  })

  it('survives SIGKILL at random moments mid-checkpoint', async () => {
    const child = join(dir, 'child.mjs')
    const src = new URL('../src/graph/checkpoint.ts', import.meta.url).href
    // Runs the TypeScript source by type stripping; `.js` imports are mapped to the `.ts` files beside them.
    await writeFile(
      child,
      `import { registerHooks } from 'node:module'
import { createHash } from 'node:crypto'
registerHooks({
  resolve(spec, ctx, next) {
    try { return next(spec, ctx) } catch (err) {
      if (spec.startsWith('.') && spec.endsWith('.js')) return next(spec.slice(0, -3) + '.ts', ctx)
      throw err
    }
  },
})
const { GradientCheckpoint } = await import(${JSON.stringify(src)})
${TENSOR_AT}
const [dir, first] = process.argv.slice(2)
const cp = await GradientCheckpoint.open(dir, { keep: 2 })
for (let step = Number(first); ; step++) {
  await cp.save({ step, tensors: { a: tensorAt('a', step, 300000), b: tensorAt('b', step, 70000) }, metadata: { step } })
  process.stdout.write('saved ' + step + '\\n')
}
`,
    )
    const data = join(dir, 'data')
    let step = 1
    let interrupted = 0
    for (let round = 0; round < 5; round++) {
      const saved = await runAndKill(child, data, step, 2 + round, Math.random() * 40)
      // evidence the kill interrupted a save: temp files, or files HEAD does not name yet (or no longer)
      const manifests = await readdir(join(data, 'manifests'))
      const blobs = await readdir(join(data, 'blobs'))
      if (manifests.length > 2 || blobs.length > 4 || [...manifests, ...blobs].some((n) => n.includes('.tmp-')))
        interrupted++
      const cp = await GradientCheckpoint.open(data, { keep: 2 })
      const latest = await cp.load()
      // everything reported saved is durable; at most the one in flight may also have landed
      expect(latest.step).toBeGreaterThanOrEqual(saved)
      expect(latest.metadata).toEqual({ step: latest.step })
      expect(same(latest.tensors.get('a'), tensorAt('a', latest.step, 300000))).toBe(true)
      expect(same(latest.tensors.get('b'), tensorAt('b', latest.step, 70000))).toBe(true)
      const list = await cp.list()
      if (list[1] !== undefined) expect((await cp.load(list[1].id)).step).toBe(latest.step - 1)
      step = latest.step + 1
    }
    expect(interrupted).toBeGreaterThan(0)
    // one clean save collects whatever the crashes left behind
    const cp = await GradientCheckpoint.open(data, { keep: 2 })
    await cp.save({ step, tensors: { a: tensorAt('a', step, 300000), b: tensorAt('b', step, 70000) } })
    expect(await readdir(join(data, 'manifests'))).toHaveLength(2)
    expect(await readdir(join(data, 'blobs'))).toHaveLength(4)
    expect((await readdir(data)).sort()).toEqual(['HEAD', 'blobs', 'manifests'])
  })
})

/** Starts the child, waits until it reports `minSaves` saves, waits `delayMs` more, SIGKILLs it. Returns the last step it reported. */
async function runAndKill(script: string, dir: string, first: number, minSaves: number, delayMs: number) {
  const proc: ChildProcess = spawn(process.execPath, [script, dir, String(first)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString()
  })
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.split('\n').filter((l) => l.startsWith('saved')).length >= minSaves) resolve()
    })
    proc.once('exit', (code) => reject(new Error(`child exited early (${code}): ${err}`)))
  })
  await new Promise((r) => setTimeout(r, delayMs))
  proc.kill('SIGKILL')
  await exited
  const steps = out
    .split('\n')
    .filter((l) => l.startsWith('saved'))
    .map((l) => Number(l.slice(6)))
  return Math.max(...steps)
}
