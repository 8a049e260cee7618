// An IPFRS node for benches that keeps to 127.0.0.1. One copy for bench/ and packages/*/bench.
import { localConfig } from '@ipfrs/core'
import { createNode, type Node } from 'ipfrs'

/**
 * A node (not started; offline unless `online`) with a fresh repo at `repoPath` that stays on this machine: TCP only
 * on 127.0.0.1, API and gateway on random ports, nothing announced, no bootstrap peers. Every other key is what
 * `ipfrs init` writes (only these keys of the test profile, `localConfig`: its others change the embedder and the
 * DHT's address filter).
 */
export function localNode(repoPath: string, online = false): Node {
  const { Addresses, Swarm, Bootstrap } = localConfig({ transports: ['tcp'] })
  return createNode({ repoPath, online, init: { config: { Addresses, Swarm, Bootstrap } } })
}
