import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Node } from '../src/index.js'
import { tempNode } from './helpers.js'

const bytes = (s: string) =>
  (async function* () {
    yield new TextEncoder().encode(s)
  })()

describe('add refuses entry names that cannot be stored safely (ERR_UNSAFE_PATH, 400), storing nothing', () => {
  let node: Node
  let dir: string
  let cleanup: () => Promise<void>
  beforeEach(async () => {
    ;({ node, dir, cleanup } = await tempNode())
  })
  afterEach(async () => cleanup())

  const blocks = async () => (await node.repoStat()).NumObjects
  const pins = async () => (await Array.fromAsync(node.pin.ls())).length

  it.each([
    ['..', 'd/..'],
    ['.', 'd/./x'],
    ['NUL', 'd/a\0b'],
    ['empty', 'd//x'],
    ['only slashes', '//'],
    ['backslash', 'd/a\\b'],
    ['a bare ..', '..'],
  ])('node.addAll of a path with %s (%j)', async (_what, path) => {
    const before = [await blocks(), await pins()]
    const err = await Array.fromAsync(
      node.addAll([
        { path: 'd/ok.txt', content: bytes('fine') },
        { path, content: bytes('bad') },
      ]),
    ).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'ERR_UNSAFE_PATH', httpStatus: 400 })
    // a list is checked whole first: not even the good file's blocks are written
    expect([await blocks(), await pins()]).toEqual(before)
  })

  it('a streamed source is refused at the bad entry; nothing is pinned and later adds work', async () => {
    const before = await pins()
    const source = (async function* () {
      yield { path: 'd/ok.txt', content: bytes('fine') }
      yield { path: 'd/..', content: bytes('bad') }
    })()
    await expect(Array.fromAsync(node.addAll(source))).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' })
    expect(await pins()).toBe(before)
    const ok = await Array.fromAsync(node.addAll([{ path: 'd/x.txt', content: bytes('x') }]))
    expect(ok.map((r) => r.path)).toEqual(['d/x.txt', 'd'])
  })

  it('leading and trailing slashes are not names: they are accepted as clients send them', async () => {
    const out = await Array.fromAsync(node.addAll([{ path: '/top/f.txt', content: bytes('f') }, { path: 'top/e/' }]))
    expect(out.at(-1)?.path).toBe('top')
  })

  it('addPath -r of a tree holding a name with a backslash refuses it before reading any file', async () => {
    const src = join(dir, 'tree')
    await mkdir(join(src, 'sub'), { recursive: true })
    await writeFile(join(src, 'a.txt'), 'a')
    await writeFile(join(src, 'sub', 'b\\c.txt'), 'b')
    const before = await blocks()
    await expect(Array.fromAsync(node.addPath(src, { recursive: true }))).rejects.toMatchObject({
      code: 'ERR_UNSAFE_PATH',
    })
    expect(await blocks()).toBe(before)
  })

  it('addPath -r of "." names the root after the directory, never "."', async () => {
    const src = join(dir, 'named')
    await mkdir(src)
    await writeFile(join(src, 'f.txt'), 'f')
    const out = await Array.fromAsync(node.addPath(join(src, '.'), { recursive: true }))
    expect(out.map((r) => r.path)).toEqual(['named/f.txt', 'named'])
  })
})
