import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode } from 'ipfrs'
import { Daemon, DaemonMetrics } from '@ipfrs/interface'
import { create } from 'kubo-rpc-client'

const repoPath = mkdtempSync(join(tmpdir(), 'ipfrs-demo-'))
const metrics = new DaemonMetrics()
const node = createNode({ repoPath, init: { config: { Bootstrap: [] } }, online: true, metricsRegistry: metrics.registry })
await node.start()
const daemon = await Daemon.start({ node, metrics, apiAddress: '/ip4/127.0.0.1/tcp/0', gatewayAddress: '/ip4/127.0.0.1/tcp/0' })

const kubo = create({ url: daemon.apiUrl })                 // the stock Kubo client, unchanged
const { cid } = await kubo.add('hello\n')                   // QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN
console.log(await (await fetch(`${daemon.gatewayUrl}/ipfs/${cid}`)).text())
console.log(await (await fetch(`${daemon.apiUrl}/health`)).json())

await daemon.stop()
await node.stop()
rmSync(repoPath, { recursive: true })
