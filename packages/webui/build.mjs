// Bundles the UI (src/app, Preact + uPlot) into dist/static with esbuild: one script, one stylesheet, index.html.
import { copyFile, mkdir } from 'node:fs/promises'
import { build } from 'esbuild'

const out = new URL('./dist/static/', import.meta.url).pathname
await mkdir(out, { recursive: true })
await build({
  entryPoints: { app: 'src/app/main.tsx' },
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: out,
  legalComments: 'eof',
  logLevel: 'warning',
})
for (const f of ['index.html', 'favicon.svg']) await copyFile(new URL(`./static/${f}`, import.meta.url), `${out}${f}`)
