/**
 * What the packages' tests share. Source only (vitest and the test type-check read the TypeScript directly), and it
 * depends on no @ipfrs package but core, so any package's tests can use it without a cycle in the build graph.
 */
export { collect } from './collect.ts'
export { codeOf, thrownCode } from './error-code.ts'
export { type LocalNetworkOptions, localNetwork, type NetworkFactory } from './local-network.ts'
export { bytesOf, ggufFile, safetensorsFile, type TensorSpec } from './model-files.ts'
export { type TempDir, tempDir } from './temp-dir.ts'
export { waitFor } from './wait-for.ts'
