import { arch, platform } from 'node:os'
import { parseCid } from '@ipfrs/core'
import { badArgument } from './errors.js'
import { fromIterable, sendJson, sendNdjson } from './http-util.js'
import type { RpcCommand } from './rpc-context.js'

/** The version `ipfrs version` and `/api/v0/version` report. */
export const IPFRS_VERSION = '0.1.0'

/** Kubo's routing query event types (`Type` in findprovs/findpeer/provide lines). */
const QUERY_EVENT = { Provider: 4, FinalPeer: 2, Value: 5 } as const

const id: RpcCommand = async ({ params, node, res, signal }) => {
  const peer = params.string('arg')
  const self = node.id()
  if (peer != null && peer !== '' && peer !== self.ID) {
    const addresses = await node.network.findPeer(peer, { signal })
    sendJson(res, { ID: peer, PublicKey: '', Addresses: addresses, AgentVersion: '', Protocols: [] })
    return
  }
  sendJson(res, self)
}

const version: RpcCommand = async ({ res }) => {
  sendJson(res, {
    Version: IPFRS_VERSION,
    Commit: '',
    Repo: '1',
    System: `${arch()}/${platform()}`,
    Golang: `node ${process.version}`,
  })
}

const swarmPeers: RpcCommand = async ({ node, res }) => {
  const peers = node.network.peers().map((p) => ({
    Addr: p.addr.replace(/\/p2p\/[^/]+$/, ''),
    Peer: p.peer,
    Direction: p.direction === 'inbound' ? 1 : 2,
    Latency: p.rtt != null ? `${p.rtt}ms` : '',
    Muxer: '',
    Streams: null,
  }))
  sendJson(res, { Peers: peers })
}

const swarmConnect: RpcCommand = async ({ params, node, res, signal }) => {
  const addrs = params.args()
  if (addrs.length === 0) throw badArgument('missing address to connect to (pass it as ?arg=)')
  const lines: string[] = []
  for (const addr of addrs) lines.push(`connect ${await node.network.connect(addr, { signal })} success`)
  sendJson(res, { Strings: lines })
}

const swarmDisconnect: RpcCommand = async ({ params, node, res, signal }) => {
  const addrs = params.args()
  if (addrs.length === 0) throw badArgument('missing address to disconnect (pass it as ?arg=)')
  const lines: string[] = []
  for (const addr of addrs) {
    await node.network.disconnect(addr, { signal })
    lines.push(`disconnect ${addr} success`)
  }
  sendJson(res, { Strings: lines })
}

const swarmAddrsListen: RpcCommand = async ({ node, res }) => {
  sendJson(res, { Strings: node.network.addresses() })
}

/** `routing/findprovs`: one line per provider, `{ID, Type: 4, Responses: [{ID, Addrs}], Extra}`. */
const findProvs: RpcCommand = async ({ params, node, res, signal, countDhtQuery }) => {
  const cid = params.arg('CID')
  parseCid(cid)
  const max = params.int('num-providers') ?? 20
  if (max < 1) throw badArgument('num-providers must be at least 1')
  countDhtQuery('findprovs')
  const timeout = AbortSignal.timeout(params.duration('timeout') ?? node.config.Routing.FetchTimeoutSeconds * 1000)
  const both = AbortSignal.any([signal, timeout])
  async function* lines() {
    let n = 0
    try {
      for await (const p of node.findProviders(cid, { signal: both })) {
        yield {
          Extra: '',
          ID: '',
          Type: QUERY_EVENT.Provider,
          Responses: [{ ID: p.id.toString(), Addrs: p.multiaddrs }],
        }
        if (++n >= max) return
      }
    } catch (err) {
      if (!timeout.aborted) throw err // running out of time ends the list, as Kubo's --timeout does
    }
  }
  await sendNdjson(res, lines())
}

const findPeer: RpcCommand = async ({ params, node, res, signal, countDhtQuery }) => {
  const peer = params.arg('peer ID')
  countDhtQuery('findpeer')
  const addrs = await node.network.findPeer(peer, { signal })
  await sendNdjson(
    res,
    fromIterable([{ Extra: '', ID: '', Type: QUERY_EVENT.FinalPeer, Responses: [{ ID: peer, Addrs: addrs }] }]),
  )
}

const provide: RpcCommand = async ({ params, node, res, signal, countDhtQuery }) => {
  const cids = params.args()
  if (cids.length === 0) throw badArgument('missing CID to provide (pass it as ?arg=)')
  for (const cid of cids) parseCid(cid)
  const lines: unknown[] = []
  for (const cid of cids) {
    countDhtQuery('provide')
    await node.provide(cid, { signal })
    lines.push({ Extra: '', ID: node.peerId, Type: QUERY_EVENT.Value, Responses: null })
  }
  await sendNdjson(res, fromIterable(lines))
}

const routing = { findprovs: findProvs, findpeer: findPeer, provide }

export const NETWORK_COMMANDS: Record<string, RpcCommand> = {
  id,
  version,
  'swarm/peers': swarmPeers,
  'swarm/connect': swarmConnect,
  'swarm/disconnect': swarmDisconnect,
  'swarm/addrs/listen': swarmAddrsListen,
  ...Object.fromEntries(
    Object.entries(routing).flatMap(([k, v]) => [
      [`routing/${k}`, v],
      [`dht/${k}`, v],
    ]),
  ),
}
