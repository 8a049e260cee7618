import { parseCid } from '@ipfrs/core'
import { IpfrsError, OfflineError } from '@ipfrs/core/errors'
import type { Network } from '@ipfrs/network'
import type { NamePublishOptions, NamePublishResult } from '@ipfrs/node-api'
import type { Repo } from '@ipfrs/storage'
import type { PeerId } from '@libp2p/interface'
import type { AbortOptions } from 'abort-error'
import { Key } from 'interface-datastore'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'

/** Kubo's defaults: records valid 48 h, cached 1 h, republished every 4 h. */
export const DEFAULT_LIFETIME_MS = 48 * 3_600_000
export const DEFAULT_TTL_MS = 3_600_000
export const REPUBLISH_INTERVAL_MS = 4 * 3_600_000
/** The first republish after start (Kubo waits 1 min): a node restarted more often than every 4 h still republishes. */
export const INITIAL_REPUBLISH_DELAY_MS = 60_000
const MAX_DEPTH = 32

/** The record library and libp2p's peer IDs, loaded when IPNS is first used (a one-shot `ipfrs add` never needs them). */
async function loadIpnsLib() {
  const [lib, { ipnsSelector }, { ipnsValidator }, { peerIdFromCID, peerIdFromPrivateKey, peerIdFromString }] =
    await Promise.all([import('ipns'), import('ipns/selector'), import('ipns/validator'), import('@libp2p/peer-id')])
  return { ...lib, ipnsSelector, ipnsValidator, peerIdFromCID, peerIdFromPrivateKey, peerIdFromString }
}

let ipnsLibLoading: ReturnType<typeof loadIpnsLib> | undefined

/** `loadIpnsLib`'s result, loaded once per process (a resolve asks for it at every step of a name chain). */
function ipnsLib(): ReturnType<typeof loadIpnsLib> {
  ipnsLibLoading ??= loadIpnsLib()
  return ipnsLibLoading
}

async function routingKeyOf(peerId: PeerId): Promise<Uint8Array> {
  return (await ipnsLib()).multihashToIPNSRoutingKey(peerId.toMultihash())
}

/** Our own published records (for `resolve` of our names and for the republisher), by key name. */
const PUBLISHED = '/local/ipns/'

/** An IPNS name that is neither a peer ID nor a `k51…` libp2p-key CID. */
export class InvalidIpnsNameError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_IPNS_NAME'
  constructor(name: string) {
    super(
      InvalidIpnsNameError.code,
      `invalid IPNS name "${name.slice(0, 120)}" (a peer ID or k51… CID; DNSLink names are not supported)`,
    )
  }
}

/** An IPNS record that is expired, badly signed, malformed or not for the name it is stored under. */
export class InvalidIpnsRecordError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_IPNS_RECORD'
  constructor(reason: string, options?: { cause?: unknown }) {
    super(InvalidIpnsRecordError.code, `invalid IPNS record: ${reason}`, options)
  }
}

/** A name no valid record was found for. */
export class IpnsNotFoundError extends IpfrsError {
  static override readonly httpStatus = 404
  static readonly code = 'ERR_IPNS_NOT_FOUND'
  constructor(name: string, options?: { cause?: unknown }) {
    super(IpnsNotFoundError.code, `could not resolve name ${name}`, options)
  }
}

/** A value `name publish` cannot point at. */
export class InvalidIpnsValueError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_IPNS_VALUE'
  constructor(value: string, options?: { cause?: unknown }) {
    super(
      InvalidIpnsValueError.code,
      `cannot publish "${value.slice(0, 200)}": expected /ipfs/<cid>[/path] or /ipns/<name>`,
      options,
    )
  }
}

interface Published {
  key: string
  value: string
  lifetimeMs: number
  ttlMs: number
}

/**
 * IPNS with Kubo's records (V1+V2 fields, signed V2 data, Ed25519): `publish` signs a record with a named key and puts
 * it in the DHT under `/ipns/<multihash>` (peers check its signature and expiry before storing it), `resolve` takes
 * the newest valid record from the DHT or from what this node published. Every name this node published is signed
 * again and republished every 4 h, as Kubo does, so its records never expire while the node runs.
 */
export class Names {
  readonly #repo: Repo
  readonly #network: () => Network | undefined
  #timer: NodeJS.Timeout | undefined
  #first: NodeJS.Timeout | undefined

  constructor(repo: Repo, network: () => Network | undefined) {
    this.#repo = repo
    this.#network = network
  }

  /** Republishes after `firstMs`, then every `intervalMs` (online nodes; failures wait for the next round). */
  startRepublisher(intervalMs = REPUBLISH_INTERVAL_MS, firstMs = INITIAL_REPUBLISH_DELAY_MS): void {
    this.stopRepublisher()
    const run = () => void this.republish().catch(() => undefined)
    this.#first = setTimeout(run, firstMs)
    this.#timer = setInterval(run, intervalMs)
    this.#first.unref()
    this.#timer.unref()
  }

  stopRepublisher(): void {
    clearTimeout(this.#first)
    clearInterval(this.#timer)
    this.#first = undefined
    this.#timer = undefined
  }

  /** Signs `path` with `options.key` (default `self`) and publishes it. */
  async publish(path: string, options: NamePublishOptions = {}): Promise<NamePublishResult> {
    const value = await normalizeValue(path)
    const published: Published = {
      key: options.key ?? 'self',
      value,
      lifetimeMs: options.lifetimeMs ?? DEFAULT_LIFETIME_MS,
      ttlMs: options.ttlMs ?? DEFAULT_TTL_MS,
    }
    const privateKey = await this.#repo.keys.get(published.key)
    const network = this.#network()
    const online = network != null && network.peers().length > 0
    if (!online && options.allowOffline !== true)
      throw new OfflineError('IPNS record', { verb: 'publish', reason: 'pass --allow-offline to publish locally only' })
    const peerId = (await ipnsLib()).peerIdFromPrivateKey(privateKey)
    await this.#sign(published, peerId, privateKey, online ? network : undefined, options)
    return { name: ipnsName(peerId), value }
  }

  /** Republishes every name this node published (new expiry, next sequence number). */
  async republish(options: AbortOptions = {}): Promise<number> {
    const network = this.#network()
    if (network == null) return 0
    const { peerIdFromPrivateKey, peerIdFromString } = await ipnsLib()
    let count = 0
    for await (const { key, value } of this.#repo.datastore.query({ prefix: PUBLISHED }, options)) {
      const published = JSON.parse(new TextDecoder().decode(value)) as Published
      const peer = key.baseNamespace()
      let privateKey = await this.#repo.keys.get(published.key).catch(() => undefined)
      if (privateKey == null || peerIdFromPrivateKey(privateKey).toString() !== peer) {
        // renamed (or replaced) since: find the key that signs for this name, if it is still there
        const id = peerIdFromString(peer).toCID().toString(base36)
        const renamed = (await this.#repo.keys.list()).find((k) => k.id === id)
        privateKey = renamed == null ? undefined : await this.#repo.keys.get(renamed.name)
        if (renamed != null) published.key = renamed.name
      }
      if (privateKey == null) continue // the key was removed since
      await this.#sign(published, peerIdFromPrivateKey(privateKey), privateKey, network, options)
      count++
    }
    return count
  }

  async #sign(
    published: Published,
    peerId: PeerId,
    privateKey: Awaited<ReturnType<Repo['keys']['get']>>,
    network: Network | undefined,
    options: AbortOptions,
  ): Promise<void> {
    const { createIPNSRecord, marshalIPNSRecord, unmarshalIPNSRecord } = await ipnsLib()
    const routingKey = await routingKeyOf(peerId)
    const previous = await this.#local(routingKey)
    const seq = previous == null ? 0n : unmarshalIPNSRecord(previous).sequence + 1n
    const record = await createIPNSRecord(privateKey, published.value, seq, published.lifetimeMs, {
      ttlNs: BigInt(published.ttlMs) * 1_000_000n,
    })
    const bytes = marshalIPNSRecord(record)
    await this.#repo.datastore.put(recordKey(routingKey), bytes)
    await this.#repo.datastore.put(
      new Key(`${PUBLISHED}${peerId.toString()}`),
      new TextEncoder().encode(JSON.stringify(published)),
    )
    if (network != null) await network.libp2p.contentRouting.put(routingKey, bytes, options)
  }

  /** Stores a record someone hands us (Kubo's `routing put`), after checking it. */
  async putRecord(name: string, bytes: Uint8Array, options: AbortOptions & { allowOffline?: boolean } = {}) {
    const routingKey = await routingKeyOf(await parseName(name))
    await validate(routingKey, bytes)
    await this.#repo.datastore.put(recordKey(routingKey), bytes)
    const network = this.#network()
    if (network != null && network.peers().length > 0)
      await network.libp2p.contentRouting.put(routingKey, bytes, options)
    else if (options.allowOffline !== true)
      throw new OfflineError('IPNS record', { verb: 'put', reason: 'pass --allow-offline to store it locally only' })
  }

  /** The newest valid record for a name (marshalled), from the DHT and the local store. */
  async getRecord(name: string, options: AbortOptions = {}): Promise<Uint8Array> {
    const routingKey = await routingKeyOf(await parseName(name))
    const found: Uint8Array[] = []
    let invalid: unknown
    const local = await this.#local(routingKey)
    if (local != null) found.push(local)
    const network = this.#network()
    if (network != null && network.peers().length > 0) {
      try {
        found.push(await network.libp2p.contentRouting.get(routingKey, options))
      } catch (err) {
        options.signal?.throwIfAborted()
        invalid = err
      }
    }
    const valid: Uint8Array[] = []
    for (const bytes of found) {
      try {
        await validate(routingKey, bytes)
        valid.push(bytes)
      } catch (err) {
        invalid = err
      }
    }
    if (valid.length === 0) {
      if (invalid instanceof InvalidIpnsRecordError) throw invalid
      throw new IpnsNotFoundError(name, { cause: invalid })
    }
    return valid[(await ipnsLib()).ipnsSelector(routingKey, valid)] as Uint8Array
  }

  /** `/ipns/<name>[/rest]` (or `<name>`) to the `/ipfs/…` path it points at (`recursive`: through /ipns/ values too). */
  async resolve(name: string, options: AbortOptions & { recursive?: boolean } = {}): Promise<string> {
    let path = name.startsWith('/ipns/') ? name : `/ipns/${name}`
    const recursive = options.recursive ?? true
    for (let depth = 0; depth < MAX_DEPTH && path.startsWith('/ipns/'); depth++) {
      const [, , label = '', ...rest] = path.split('/')
      const record = (await ipnsLib()).unmarshalIPNSRecord(await this.getRecord(label, options))
      path = joinPath(record.value, rest)
      if (!recursive) break
    }
    return path
  }

  async #local(routingKey: Uint8Array): Promise<Uint8Array | undefined> {
    try {
      return await this.#repo.datastore.get(recordKey(routingKey))
    } catch (err) {
      if ((err as { name?: string }).name === 'NotFoundError') return undefined
      throw err
    }
  }
}

/** The IPNS name of a key: its peer ID as a CIDv1 libp2p-key in base36 (`k51…`), as Kubo prints it. */
export function ipnsName(peerId: PeerId): string {
  return peerId.toCID().toString(base36)
}

/** A peer ID (`12D3…`, `Qm…`) or a libp2p-key CID (`k51…`, `bafz…`). */
export async function parseName(name: string): Promise<PeerId> {
  const { peerIdFromCID, peerIdFromString } = await ipnsLib()
  try {
    return name.startsWith('1') || name.startsWith('Q') ? peerIdFromString(name) : peerIdFromCID(parseAnyCid(name))
  } catch {
    throw new InvalidIpnsNameError(name)
  }
}

function parseAnyCid(text: string): CID {
  return text.startsWith('k') ? CID.parse(text, base36) : CID.parse(text)
}

async function validate(routingKey: Uint8Array, bytes: Uint8Array): Promise<void> {
  try {
    await (await ipnsLib()).ipnsValidator(routingKey, bytes)
  } catch (err) {
    throw new InvalidIpnsRecordError((err as Error).message ?? String(err), { cause: err })
  }
}

function recordKey(routingKey: Uint8Array): Key {
  return new Key(`/local/ipns-records/${Buffer.from(routingKey).toString('base64url')}`)
}

async function normalizeValue(path: string): Promise<string> {
  try {
    if (path.startsWith('/ipns/')) {
      await parseName(path.split('/')[2] ?? '')
      return path
    }
    const stripped = path.replace(/^\/ipfs\//, '')
    const [cid = '', ...rest] = stripped.split('/')
    return joinPath(`/ipfs/${parseCid(cid).toString()}`, rest)
  } catch (err) {
    throw new InvalidIpnsValueError(path, { cause: err })
  }
}

function joinPath(base: string, rest: string[]): string {
  const tail = rest.filter((s) => s !== '').join('/')
  return tail === '' ? base : `${base.replace(/\/+$/, '')}/${tail}`
}
