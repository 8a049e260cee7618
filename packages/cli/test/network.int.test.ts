import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '@ipfrs/test-utils'
import { createNode, type Node } from 'ipfrs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cliEnv } from './helpers.js'

type Env = Awaited<ReturnType<typeof cliEnv>>

// Everything here listens on and dials 127.0.0.1 only: the CLI repos and the in-process peers get a local
// Bootstrap list, never the public one.
const LOCAL_SWARM = ['/ip4/127.0.0.1/tcp/0']
/** Well-formed peer IDs of nobody here (the last one is Kubo's va1 bootstrapper; it is never dialled). */
const ED25519_ID = '12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc8'
const RSA_ID = 'QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ'
/** A local address where nothing listens. */
const DEAD = `/ip4/127.0.0.1/tcp/1/p2p/${ED25519_ID}`

/** A CLI repo listening on 127.0.0.1 (TCP only) that bootstraps from `bootstrap` only. */
async function cliRepo(bootstrap: string[]): Promise<Env> {
  const env = await cliEnv()
  await env.ok(['init'])
  await env.ok(['config', '--json', 'Addresses.Swarm', JSON.stringify(LOCAL_SWARM)])
  await env.ok(['config', '--json', 'Swarm.Transports.Network', '{"TCP":true,"QUIC":false}'])
  await env.ok(['bootstrap', 'rm', '--all']) // whatever init wrote, this repo bootstraps from `bootstrap` only
  if (bootstrap.length > 0) await env.ok(['bootstrap', 'add', ...bootstrap])
  return env
}

/** A long-running peer in this process, on 127.0.0.1, bootstrapping from `bootstrap` only. */
async function peerNode(dir: string, name: string, bootstrap: string[]): Promise<Node> {
  const node = createNode({
    repoPath: join(dir, name),
    online: true,
    init: {
      config: {
        Addresses: { Swarm: LOCAL_SWARM, Announce: [], API: '/ip4/127.0.0.1/tcp/0', Gateway: '/ip4/127.0.0.1/tcp/0' },
        Swarm: { ConnMgr: { LowWater: 10, HighWater: 50 }, Transports: { Network: { TCP: true, QUIC: false } } },
        Bootstrap: bootstrap,
      },
    },
  })
  await node.start()
  return node
}

const tcpAddr = (node: Node) => node.network.addresses().find((a) => a.includes('/tcp/'))!
const lines = (text: string) => (text === '' ? [] : text.split('\n'))

function expectOneErrorLine(r: { code: number; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(1)
  expect(r.stderr.trim().split('\n')).toHaveLength(1)
  expect(r.stderr).toMatch(pattern)
}

describe('ipfrs bootstrap (config only, no network)', () => {
  let env: Env
  beforeEach(async () => {
    env = await cliEnv()
    await env.ok(['init'])
  })
  afterEach(async () => env.cleanup())

  it('list, add, rm and rm --all round-trip with Kubo output shapes', async () => {
    await env.ok(['bootstrap', 'rm', '--all']) // start from an empty list, whatever init wrote
    expect(await env.ok(['bootstrap', 'list'])).toBe('')
    expect(JSON.parse(await env.ok(['bootstrap', 'list', '--json']))).toEqual({ Peers: [] })

    const a = `/ip4/127.0.0.1/tcp/4101/p2p/${ED25519_ID}`
    const b = `/ip4/127.0.0.1/tcp/4102/p2p/${RSA_ID}`
    const b2 = `/ip4/127.0.0.1/udp/4102/quic-v1/p2p/${RSA_ID}`
    expect(await env.ok(['bootstrap', 'add', b, a])).toBe(`added ${a}\nadded ${b}`) // sorted, as Kubo prints
    expect(await env.ok(['bootstrap', 'add', a])).toBe('') // already there: nothing added
    expect(JSON.parse(await env.ok(['bootstrap', 'add', '--json', b2]))).toEqual({ Peers: [b2] })
    expect(lines(await env.ok(['bootstrap', 'list']))).toEqual([a, b, b2])
    expect(JSON.parse(await env.ok(['config', 'Bootstrap']))).toEqual([b, a, b2])
    // /ipfs/ is the old spelling of /p2p/
    expect(await env.ok(['bootstrap', 'rm', a.replace('/p2p/', '/ipfs/')])).toBe(`removed ${a}`)
    // /p2p/<id> alone removes every address of that peer
    expect(await env.ok(['bootstrap', 'rm', `/p2p/${RSA_ID}`])).toBe(`removed ${b}\nremoved ${b2}`)
    expect(await env.ok(['bootstrap', 'list'])).toBe('')

    // the public list Kubo ships, in the config only (nothing here starts the network)
    const added = lines(await env.ok(['bootstrap', 'add', '--default']))
    expect(added).toContain('added /ip4/104.131.131.82/tcp/4001/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ')
    expect(added.filter((l) => l.startsWith('added /dnsaddr/bootstrap.libp2p.io/p2p/')).length).toBeGreaterThan(0)
    expect(await env.ok(['bootstrap', 'add', 'default'])).toBe('') // Kubo's subcommand spelling; nothing new
    await env.ok(['bootstrap', 'add', a])
    const removed = JSON.parse(await env.ok(['bootstrap', 'rm', '--all', '--json']))
    expect(removed.Peers).toHaveLength(added.length + 1)
    expect(JSON.parse(await env.ok(['config', 'Bootstrap']))).toEqual([])
    await env.ok(['bootstrap', 'add', a])
    expect(await env.ok(['bootstrap', 'rm', 'all'])).toBe(`removed ${a}`)
  })

  it('rejects a malformed multiaddr with one clear line and leaves the list as it was', async () => {
    const good = `/ip4/127.0.0.1/tcp/4101/p2p/${ED25519_ID}`
    await env.ok(['bootstrap', 'rm', '--all'])
    const cases: Array<[string, RegExp]> = [
      ['/not/a/multiaddr', /^Error: invalid multiaddr "\/not\/a\/multiaddr": unknown protocol "not"/],
      ['127.0.0.1:4001', /^Error: invalid multiaddr "127\.0\.0\.1:4001": a multiaddr starts with "\/"/],
      ['/ip4/127.0.0.1/tcp/4001', /^Error: invalid multiaddr .*: it must end in \/p2p\/<peer ID>/],
      ['/ip4/127.0.0.1/tcp/4001/p2p/QmNotAPeer', /^Error: invalid multiaddr .*: "QmNotAPeer" is not a peer ID/],
      [
        `/ip4/127.0.0.999/tcp/4001/p2p/${RSA_ID}`,
        /^Error: invalid multiaddr .*: Invalid IPv4 address "127\.0\.0\.999"/,
      ],
      [
        `/ip4/127.0.0.1/tcp/70000/p2p/${RSA_ID}`,
        /^Error: invalid multiaddr .*: Value must be smaller than or equal to 65535/,
      ],
    ]
    for (const [bad, message] of cases) {
      expectOneErrorLine(await env.ipfrs(['bootstrap', 'add', good, bad]), message)
    }
    expect(await env.ok(['bootstrap', 'list'])).toBe('')
    expectOneErrorLine(await env.ipfrs(['bootstrap', 'add']), /^Error: no bootstrap peers to add/)
    expectOneErrorLine(await env.ipfrs(['bootstrap', 'rm', '/not/a/multiaddr']), /^Error: invalid multiaddr/)
    expectOneErrorLine(await env.ipfrs(['bootstrap', 'add', '--default', good]), /^Error: give either peers or/)
  })

  it('every new command has --help', async () => {
    const top = await env.ok(['--help'])
    for (const cmd of ['bootstrap', 'swarm', 'routing', 'dht']) expect(top).toContain(cmd)
    const commands = [
      ['bootstrap'],
      ['bootstrap', 'list'],
      ['bootstrap', 'add'],
      ['bootstrap', 'add', 'default'],
      ['bootstrap', 'rm'],
      ['bootstrap', 'rm', 'all'],
      ['swarm'],
      ['swarm', 'peers'],
      ['swarm', 'addrs'],
      ['swarm', 'addrs', 'local'],
      ['swarm', 'connect'],
      ['swarm', 'disconnect'],
      ['routing'],
      ['dht'],
      ...['findprovs', 'findpeer', 'provide'].flatMap((c) => [
        ['routing', c],
        ['dht', c],
      ]),
      ['id'],
    ]
    // --help opens no repo, so the processes can run side by side
    const helps = await Promise.all(commands.map((args) => env.ok([...args, '--help'])))
    for (const help of helps) expect(help).toMatch(/^Usage: ipfrs /)
    expect(await env.ok(['swarm', 'peers', '--help'])).toContain('With a daemon running')
    expect(await env.ok(['routing', 'findprovs', '--help'])).toContain('--num-providers')
    expect(await env.ok(['id', '--help'])).toContain('--online')
  })
})

describe('network commands against in-process peers on 127.0.0.1', () => {
  let dir: string
  let b: Node // the bootstrap peer (a DHT server)
  let p: Node // a provider, joined through B
  let env: Env // the CLI repo, whose Bootstrap list is B only
  const others: Env[] = []

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfrs-cli-net-'))
    b = await peerNode(dir, 'b', [])
    p = await peerNode(dir, 'p', [tcpAddr(b)])
    await p.network.connect(tcpAddr(b))
    await waitFor(() => b.network.peers().some((c) => c.peer === p.peerId))
    env = await cliRepo([tcpAddr(b)])
  })
  afterEach(async () => {
    await Promise.allSettled([b.stop(), p.stop()])
    await Promise.allSettled([env, ...others.splice(0)].map((e) => e.cleanup()))
    await rm(dir, { recursive: true, force: true })
  })

  it('routing findprovs and dht findprovs find the provider through the DHT', async () => {
    const { cid } = await p.addBytes(new TextEncoder().encode('provided by P\n')) // auto-provides to B
    const key = cid.toString()
    expect(lines(await env.ok(['routing', 'findprovs', key]))).toEqual([p.peerId])
    expect(lines(await env.ok(['dht', 'findprovs', '-n', '1', key]))).toEqual([p.peerId])
    const events = lines(await env.ok(['routing', 'findprovs', '--json', '--num-providers', '5', key])).map((l) =>
      JSON.parse(l),
    )
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ ID: '', Extra: '', Type: 4, Responses: [{ ID: p.peerId }] })
    expect(events[0].Responses[0].Addrs).toContain(tcpAddr(p).replace(`/p2p/${p.peerId}`, ''))

    // a CID nobody provides: the query ends without output
    const none = await env.ipfrs([
      'routing',
      'findprovs',
      '--timeout',
      '20',
      'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN',
    ])
    expect(none.code).toBe(0)
    expect(none.stdout.toString()).toBe('')

    expectOneErrorLine(await env.ipfrs(['routing', 'findprovs', 'not-a-cid']), /^Error: invalid CID "not-a-cid"/)
    expectOneErrorLine(await env.ipfrs(['dht', 'findprovs', '-n', '0', key]), /^Error: number of providers must be/)
  })

  it('routing findpeer finds the provider’s 127.0.0.1 address through the bootstrap peer', async () => {
    const want = tcpAddr(p).replace(`/p2p/${p.peerId}`, '')
    expect(want).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+$/)
    expect(lines(await env.ok(['routing', 'findpeer', p.peerId]))).toContain(want)
    expect(lines(await env.ok(['dht', 'findpeer', p.peerId]))).toContain(want)
    const event = JSON.parse(await env.ok(['routing', 'findpeer', '--json', p.peerId]))
    expect(event).toMatchObject({ Type: 2, Responses: [{ ID: p.peerId }] })
    expect(event.Responses[0].Addrs).toContain(want)
    expectOneErrorLine(await env.ipfrs(['routing', 'findpeer', 'QmNotAPeer']), /^Error: invalid peer ID "QmNotAPeer"/)
    const nobody = await env.ipfrs(['routing', 'findpeer', '--timeout', '5', RSA_ID])
    expectOneErrorLine(nobody, new RegExp(`^Error: peer ${RSA_ID} not found`))
  })

  it('routing provide announces content of the CLI repo; the peers find it afterwards', async () => {
    const cid = await env.ok(['add', '-Q'], 'provided by the CLI repo\n')
    const self = await env.ok(['id', '-f', '<id>'])
    const provided = await env.ipfrs(['routing', 'provide', cid])
    expect(provided.stderr).toBe('')
    expect(provided.code).toBe(0)
    expect(provided.stdout.toString()).toBe('') // as Kubo: nothing on success
    const found: string[] = []
    for await (const prov of p.findProviders(cid, { signal: AbortSignal.timeout(10_000) }))
      found.push(prov.id.toString())
    expect(found).toContain(self)
    expectOneErrorLine(
      await env.ipfrs(['dht', 'provide', 'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN']),
      /^Error: block QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN not found locally, cannot provide/,
    )
  })

  it('swarm connect dials a peer and reports bad or unreachable addresses', async () => {
    expect(await env.ok(['swarm', 'connect', tcpAddr(p)])).toBe(`connect ${p.peerId} success`)
    expect(JSON.parse(await env.ok(['swarm', 'connect', '--json', tcpAddr(p)]))).toEqual({
      Strings: [`connect ${p.peerId} success`],
    })
    expectOneErrorLine(
      await env.ipfrs(['swarm', 'connect', '/not/a/multiaddr']),
      /^Error: invalid multiaddr "\/not\/a\/multiaddr"/,
    )
    expectOneErrorLine(
      await env.ipfrs(['swarm', 'connect', '--timeout', '5', DEAD]),
      /^Error: connect \/ip4\/127\.0\.0\.1\/tcp\/1\/p2p\/\S+ failure: /,
    )
  })

  it('swarm peers, addrs and disconnect', async () => {
    const self = await env.ok(['id', '-f', '<id>'])
    // the short-lived node's peers: the bootstrap peer it dialled (and, at most, a local peer that dialled in)
    const peers = lines(await env.ok(['swarm', 'peers']))
    expect(peers).toContain(tcpAddr(b))
    for (const line of peers) expect(line).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\w+$/)
    expect(lines(await env.ok(['swarm', 'peers', '--direction']))).toContain(`${tcpAddr(b)} outbound`)
    expect(JSON.parse(await env.ok(['swarm', 'peers', '--json'])).Peers).toContainEqual({
      Addr: tcpAddr(b).replace(`/p2p/${b.peerId}`, ''),
      Peer: b.peerId,
      Direction: 2,
    })

    const listen = lines(await env.ok(['swarm', 'addrs']))
    expect(listen.length).toBeGreaterThan(0)
    for (const a of listen) expect(a).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+$/)
    for (const a of lines(await env.ok(['swarm', 'addrs', 'local', '--id'])))
      expect(a.endsWith(`/p2p/${self}`)).toBe(true)
    expect(JSON.parse(await env.ok(['swarm', 'addrs', '--json'])).Strings).toHaveLength(listen.length)

    expect(await env.ok(['swarm', 'disconnect', b.peerId])).toBe(`disconnect ${b.peerId} success`)
    expect(await env.ok(['swarm', 'disconnect', tcpAddr(b)])).toBe(`disconnect ${b.peerId} success`)
    expectOneErrorLine(
      await env.ipfrs(['swarm', 'disconnect', p.peerId]),
      new RegExp(`^Error: disconnect ${p.peerId} failure: not connected`),
    )
  })

  it('id --online lists the 127.0.0.1 listen addresses; offline, Addresses is empty and the text says so', async () => {
    const online = JSON.parse(await env.ok(['id', '--online', '--json']))
    expect(online.Addresses.length).toBeGreaterThan(0)
    for (const a of online.Addresses) expect(a).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${online.ID}$`))
    expect(online.Protocols).toContain('/ipfs/kad/1.0.0')
    expect(online.Protocols).toContain('/ipfs/bitswap/1.2.0')
    expect(await env.ok(['id', '--online', '-f', '<addrs>'])).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)

    const offline = JSON.parse(await env.ok(['id', '--json']))
    expect(offline.ID).toBe(online.ID)
    expect(offline.Addresses).toEqual([])
    const text = await env.ipfrs(['id'])
    expect(JSON.parse(text.stdout.toString()).Addresses).toEqual([])
    expect(text.stderr).toContain('offline')
  })

  it('without a reachable bootstrap peer the DHT commands fail fast with one line', async () => {
    const alone = await cliRepo([])
    others.push(alone)
    // fast: well under the default --timeout of 30 s
    const timed = async (run: Promise<{ code: number; stderr: string }>) => {
      const started = Date.now()
      const r = await run
      expect(Date.now() - started).toBeLessThan(15_000)
      return r
    }
    expectOneErrorLine(
      await timed(alone.ipfrs(['routing', 'findprovs', 'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN'])),
      /^Error: cannot find providers of \S+: no peers are connected; the Bootstrap list is empty/,
    )
    const unreachable = await cliRepo([DEAD])
    others.push(unreachable)
    expectOneErrorLine(
      await timed(unreachable.ipfrs(['dht', 'findpeer', p.peerId])),
      /^Error: cannot find peer \S+: no peers are connected; no peer of the Bootstrap list answered/,
    )
    const debug = await unreachable.ipfrs([
      '--debug',
      'routing',
      'findprovs',
      'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN',
    ])
    expect(debug.stderr).toContain('code: ERR_OFFLINE')
    expect(await unreachable.ok(['swarm', 'peers'])).toBe('')
  })
})
