// Runs the benchmarks (all, or those named: `node bench/run.ts add compression`), each in its own process.
import { spawnSync } from 'node:child_process'

const BENCHES: Record<string, string> = {
  add: new URL('./add.ts', import.meta.url).pathname,
  'gc-adds': new URL('./gc-adds.ts', import.meta.url).pathname,
  'cli-start': new URL('./cli-start.ts', import.meta.url).pathname,
  compression: new URL('../packages/storage/bench/compression.ts', import.meta.url).pathname,
  transfer: new URL('./transfer.ts', import.meta.url).pathname,
  soak: new URL('./soak.ts', import.meta.url).pathname,
  'find-providers': new URL('./find-providers.ts', import.meta.url).pathname,
  gateway: new URL('./gateway.ts', import.meta.url).pathname,
  daemon: new URL('./daemon.ts', import.meta.url).pathname,
  dataplane: new URL('./dataplane.ts', import.meta.url).pathname,
  'js-ipfs': new URL('./js-ipfs.ts', import.meta.url).pathname,
  'tensor-decode': new URL('../packages/transport/bench/decode.ts', import.meta.url).pathname,
  tensorswap: new URL('../packages/transport/bench/transfer.ts', import.meta.url).pathname,
  'tensorswap-processes': new URL('../packages/transport/bench/providers.ts', import.meta.url).pathname,
  temporal: new URL('../packages/tensorlogic/bench/temporal.ts', import.meta.url).pathname,
  tensorlogic: new URL('../packages/tensorlogic/bench/inference.ts', import.meta.url).pathname,
  'tensorlogic-snapshot': new URL('../packages/tensorlogic/bench/snapshot.ts', import.meta.url).pathname,
  'logic-node': new URL('../packages/ipfrs/bench/logic.ts', import.meta.url).pathname,
  models: new URL('../packages/ipfrs/bench/models.ts', import.meta.url).pathname,
  'semantic-index': new URL('../packages/semantic/bench/index.ts', import.meta.url).pathname,
  'semantic-dht': new URL('../packages/semantic/bench/network-search.ts', import.meta.url).pathname,
  'semantic-routing': new URL('../packages/semantic/bench/routing-sim.ts', import.meta.url).pathname,
  'semantic-node': new URL('../packages/ipfrs/bench/semantic-network.ts', import.meta.url).pathname,
  embedders: new URL('./embedders.ts', import.meta.url).pathname,
  'node-bindings': new URL('../packages/node-bindings/bench/calls.ts', import.meta.url).pathname,
}
const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(BENCHES)
let failed = 0
for (const name of names) {
  const file = BENCHES[name]
  if (file === undefined) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`)
    process.exit(2)
  }
  console.log(`\n## bench: ${name}`)
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit' })
  if (r.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
