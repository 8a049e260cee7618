import { defineConfig } from 'vitest/config'

// One vitest run over every package that has tests; each package also runs alone with its own `pnpm test`.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts'],
  },
})
