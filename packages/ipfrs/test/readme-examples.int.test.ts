import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const PACKAGES = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/**
 * Packages whose README does not start with a JavaScript example: the CLI's starts with its command synopsis (a
 * shell block; its behaviour is covered by its own end-to-end tests), node-bindings' README is another task's, and
 * node-api is types only (its README's example is TypeScript; the compiler checks the types in the packages using them).
 */
const EXEMPT = new Set(['cli', 'node-bindings', 'node-api'])

/** The first ```js fenced block of a markdown text, or undefined. */
function firstJsBlock(markdown: string): string | undefined {
  return /^```js\n([\s\S]*?)^```/m.exec(markdown)?.[1]
}

const packages = readdirSync(PACKAGES).filter((name) => existsSync(join(PACKAGES, name, 'README.md')))

describe('each package README starts with a runnable example', () => {
  it('finds the packages', () => {
    expect(packages).toEqual(expect.arrayContaining(['core', 'storage', 'network', 'ipfrs', 'semantic']))
  })

  for (const name of packages.filter((n) => !EXEMPT.has(n))) {
    it(`packages/${name}/README.md: the first js block runs and exits 0`, async () => {
      const code = firstJsBlock(readFileSync(join(PACKAGES, name, 'README.md'), 'utf8'))
      expect(code, 'no ```js block').toBeDefined()
      // inside the package, so its own name (self-reference) and its dependencies resolve as a user's would
      const file = join(PACKAGES, name, `.readme-example-${process.pid}.mjs`)
      writeFileSync(file, code ?? '')
      try {
        const { stdout } = await run(process.execPath, [file], { cwd: join(PACKAGES, name), timeout: 60_000 })
        expect(stdout.length).toBeGreaterThan(0)
      } finally {
        rmSync(file, { force: true })
      }
    })
  }
})
