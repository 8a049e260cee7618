/** Kubo's `bootstrap/*`, `swarm/addrs/local` and `ping`. */
import { setTimeout as sleep } from 'node:timers/promises'
import { parsePeerAddress } from '@ipfrs/network/addresses'
import { addBootstrapPeers, DEFAULT_BOOTSTRAP, removeBootstrapPeers } from '@ipfrs/network/bootstrap-list'
import { badArgument } from './errors.js'
import { sendJson, sendNdjson } from './http-util.js'
import type { RpcCommand, RpcContext } from './rpc-context.js'

/** `bootstrap` and `bootstrap/list`: `{Peers: [...]}`, the config's Bootstrap list. */
const list: RpcCommand = async ({ node, res }) => {
  sendJson(res, { Peers: node.repo.config.Bootstrap })
}

/** Saves a new Bootstrap list (it is dialled when the node next starts, as a `config` change) and reports the change. */
async function save(ctx: RpcContext, next: string[], changed: string[]): Promise<void> {
  if (changed.length > 0) await ctx.node.repo.saveConfig({ ...ctx.node.repo.config, Bootstrap: next })
  sendJson(ctx.res, { Peers: changed })
}

/** `bootstrap/add?arg=<multiaddr/p2p/id>…` (or `default=true`): `{Peers}` newly added. */
const add: RpcCommand = async (ctx) => {
  const peers = ctx.params.args()
  const useDefault = ctx.params.bool('default', false) || (peers.length === 1 && peers[0] === 'default')
  if (useDefault && peers.length > 0 && peers[0] !== 'default') throw badArgument('give either peers or default')
  if (!useDefault && peers.length === 0) throw badArgument('no bootstrap peers to add (pass them as ?arg=)')
  const { next, changed } = addBootstrapPeers(ctx.node.repo.config.Bootstrap, useDefault ? DEFAULT_BOOTSTRAP : peers)
  await save(ctx, next, changed)
}

/** `bootstrap/add/default`: the public IPFS bootstrap peers Kubo ships. */
const addDefault: RpcCommand = async (ctx) => {
  const { next, changed } = addBootstrapPeers(ctx.node.repo.config.Bootstrap, DEFAULT_BOOTSTRAP)
  await save(ctx, next, changed)
}

/** `bootstrap/rm?arg=<multiaddr/p2p/id>…` (or `all=true`): `{Peers}` removed. */
const rm: RpcCommand = async (ctx) => {
  const peers = ctx.params.args()
  const all = ctx.params.bool('all', false) || (peers.length === 1 && peers[0] === 'all')
  if (all && peers.length > 0 && peers[0] !== 'all') throw badArgument('give either peers or all')
  if (!all && peers.length === 0) throw badArgument('no bootstrap peers to remove (pass them as ?arg=)')
  const { next, changed } = removeBootstrapPeers(ctx.node.repo.config.Bootstrap, all ? 'all' : peers)
  await save(ctx, next, changed)
}

/** `bootstrap/rm/all` */
const rmAll: RpcCommand = async (ctx) => {
  await save(ctx, [], [...ctx.node.repo.config.Bootstrap])
}

/** `swarm/addrs/local?id`: `{Strings}`, the addresses this node listens on (with `/p2p/<id>` when `id`). */
const addrsLocal: RpcCommand = async ({ params, node, res }) => {
  const withId = params.bool('id', false)
  const addrs = node.network.addresses().map((a) => (withId ? a : a.replace(/\/p2p\/[^/]+$/, '')))
  sendJson(res, { Strings: [...new Set(addrs)] })
}

/** Largest `ping` count. */
const MAX_PINGS = 100

/**
 * `ping?arg=<peer ID or multiaddr/p2p/id>&count=10`: Kubo's lines, `{Success, Time, Text}` (`Time` in nanoseconds):
 * `PING <id>.`, one line per ping (a second apart), then `Average latency: …ms`.
 */
const ping: RpcCommand = async ({ params, node, res, signal }) => {
  const target = params.arg('peer ID')
  const count = params.int('count') ?? params.int('n') ?? 10
  if (count < 1 || count > MAX_PINGS) throw badArgument(`ping count must be between 1 and ${MAX_PINGS}`)
  // a bad peer ID or address is a 400 (ERR_INVALID_MULTIADDR) before anything is sent
  parsePeerAddress(target.startsWith('/') ? target : `/p2p/${target}`, { requirePeer: true })
  const peer = target.startsWith('/') ? await node.network.connect(target, { signal }) : target
  if (peer === node.peerId) throw badArgument('cannot ping self')
  async function* lines(): AsyncGenerator<unknown> {
    yield { Success: true, Time: 0, Text: `PING ${peer}.` }
    let ok = 0
    let total = 0
    for (let i = 0; i < count; i++) {
      if (i > 0) await sleep(1000, undefined, { signal })
      try {
        const rtt = await node.network.ping(peer, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) })
        ok++
        total += rtt
        yield { Success: true, Time: Math.round(rtt * 1e6), Text: '' }
      } catch (err) {
        if (signal.aborted) throw err
        yield { Success: false, Time: 0, Text: `Ping error: ${(err as Error).message}` }
      }
    }
    if (ok === 0) yield { Success: false, Time: 0, Text: 'ping failed' }
    else yield { Success: true, Time: 0, Text: `Average latency: ${(total / ok).toFixed(2)}ms` }
  }
  await sendNdjson(res, lines())
}

export const BOOTSTRAP_COMMANDS: Record<string, RpcCommand> = {
  bootstrap: list,
  'bootstrap/list': list,
  'bootstrap/add': add,
  'bootstrap/add/default': addDefault,
  'bootstrap/rm': rm,
  'bootstrap/rm/all': rmAll,
  'swarm/addrs/local': addrsLocal,
  ping,
}
