/**
 * knip, run by ./run test (scripts/test.mjs): every import's package declared by the importing package, nothing
 * declared that nothing imports, and (with --production) no `dependencies` entry that only tests or benches use.
 * The README's ```js examples count as (dev) entries: readme-examples.int.test.ts runs each package's first one
 * inside the package, so what they import must be declared there.
 */
import type { KnipConfig } from 'knip'

const jsBlocks = (markdown: string): string =>
  [...markdown.matchAll(/^```js\n([\s\S]*?)^```/gm)].map((m) => m[1]).join('\n')

const config: KnipConfig = {
  ignore: ['**/dist/**'],
  // system tools the disk-full test runs to mount a small tmpfs
  ignoreBinaries: ['mount', 'umount'],
  compilers: { md: jsBlocks },
  workspaces: {
    '.': { entry: ['examples/*.mjs!', 'scripts/*.mjs'] },
    bench: { entry: ['*.ts!', 'lib/*.ts!'] },
    'packages/*': { entry: ['cjs/*.cjs!', 'test/**/*.ts', 'bench/*.ts', 'README.md'] },
    // the web UI's browser code is bundled by build.mjs (esbuild) from this entry
    'packages/webui': { entry: ['src/app/main.tsx', 'README.md'] },
  },
}

export default config
