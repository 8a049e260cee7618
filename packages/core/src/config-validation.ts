import type { NodeConfig } from './config.js'
import { COMPRESSION_ALGORITHMS, defaultConfig, ENCRYPTION_ALGORITHMS, USE_DIMENSION } from './config-defaults.js'
import { InvalidConfigError } from './errors.js'

type Check = (value: unknown, field: string) => void

const isString: Check = (v, f) => {
  if (typeof v !== 'string') throw new InvalidConfigError(f, `expected a string, got ${describe(v)}`)
}
const isBoolean: Check = (v, f) => {
  if (typeof v !== 'boolean') throw new InvalidConfigError(f, `expected true or false, got ${describe(v)}`)
}
const isMultiaddr: Check = (v, f) => {
  isString(v, f)
  if (!(v as string).startsWith('/'))
    throw new InvalidConfigError(f, `expected a multiaddr starting with "/", got "${v}"`)
}
const arrayOf =
  (item: Check): Check =>
  (v, f) => {
    if (!Array.isArray(v)) throw new InvalidConfigError(f, `expected an array, got ${describe(v)}`)
    for (const [i, x] of v.entries()) item(x, `${f}[${i}]`)
  }
const oneOf =
  (values: readonly unknown[]): Check =>
  (v, f) => {
    if (!values.includes(v)) throw new InvalidConfigError(f, `expected one of ${values.join(', ')}, got ${describe(v)}`)
  }
const integer =
  (min: number, max: number): Check =>
  (v, f) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new InvalidConfigError(f, `expected an integer in [${min}, ${max}], got ${describe(v)}`)
    }
  }
const matches =
  (re: RegExp, what: string): Check =>
  (v, f) => {
    isString(v, f)
    if (!re.test(v as string)) throw new InvalidConfigError(f, `expected ${what}, got "${v}"`)
  }

/** An object whose every value passes `check` (keys are free-form names). */
const recordOf =
  (check: Check): Check =>
  (v, f) => {
    if (v == null || typeof v !== 'object' || Array.isArray(v))
      throw new InvalidConfigError(f, `expected an object, got ${describe(v)}`)
    for (const [key, value] of Object.entries(v)) check(value, `${f}.${key}`)
  }

/** A key that may be absent; when present it must pass `check`. */
const optional =
  (check: Check): Check =>
  (v, f) => {
    if (v !== undefined) check(v, f)
  }

/** A nested object whose keys are all checked. */
const object =
  (spec: Record<string, Check>): Check =>
  (v, f) => {
    if (v == null || typeof v !== 'object' || Array.isArray(v))
      throw new InvalidConfigError(f, `expected an object, got ${describe(v)}`)
    for (const [key, check] of Object.entries(spec)) check((v as Record<string, unknown>)[key], `${f}.${key}`)
  }

const SCHEMA: Record<string, Record<string, Check> | Check> = {
  Identity: { PeerID: isString },
  Addresses: { Swarm: arrayOf(isMultiaddr), Announce: arrayOf(isMultiaddr), API: isMultiaddr, Gateway: isMultiaddr },
  Bootstrap: arrayOf(isMultiaddr),
  Datastore: {
    StorageMax: matches(/^\d+(\.\d+)?\s*([KMGT]i?B|B)?$/i, 'a size such as 10GB'),
    GCMinAgeSeconds: integer(0, 2 ** 31),
  },
  Import: {
    CidVersion: oneOf([0, 1]),
    UnixFSRawLeaves: isBoolean,
    UnixFSChunker: matches(/^size-[1-9]\d*$/, 'size-<bytes>'),
    UnixFSFileMaxLinks: integer(2, 65536),
  },
  Swarm: {
    ConnMgr: object({
      LowWater: integer(0, 100_000),
      HighWater: integer(1, 100_000),
      GracePeriodSeconds: optional(integer(0, 86_400)),
    }),
    Transports: object({ Network: object({ TCP: isBoolean, QUIC: isBoolean }) }),
  },
  Routing: {
    Type: oneOf(['dht', 'dhtclient', 'dhtserver', 'none']),
    AutoProvide: isBoolean,
    ProviderTTLSeconds: integer(1, 2 ** 31),
    ReprovideIntervalSeconds: integer(1, 2 ** 31),
    FetchTimeoutSeconds: integer(1, 86_400),
    LoopbackAddressesOnWanDHT: isBoolean,
    TensorSwapFiles: isBoolean,
  },
  Compression: { Algorithm: oneOf(COMPRESSION_ALGORITHMS), Level: integer(1, 22), MinSize: integer(0, 2 ** 30) },
  Encryption: { Enabled: isBoolean, Algorithm: oneOf(ENCRYPTION_ALGORITHMS) },
  API: {
    Authorizations: recordOf(
      object({
        AuthSecret: matches(
          /^(?:bearer:)?(?!bearer:)\S{8,}$/,
          '"bearer:<token>" with a token of at least 8 characters',
        ),
        AllowedPaths: arrayOf(matches(/^\/api\/v0(\/|$)/, 'a path under /api/v0')),
      }),
    ),
    AllowedOrigins: arrayOf(matches(/^https?:\/\/[^/\s]+$/, 'an origin such as http://localhost:3000')),
    MaxRequestBodyBytes: integer(1024, 2 ** 31),
  },
  Daemon: { LowPower: isBoolean, HealthIntervalSeconds: integer(1, 3600) },
  Semantic: {
    Enabled: isBoolean,
    Embedder: oneOf(['use', 'hashing']),
    EmbedWorkers: integer(1, 64),
    Dimension: integer(2, 65_536),
    Metric: oneOf(['cosine', 'l2', 'ip']),
    M: integer(2, 256),
    EfConstruction: integer(1, 100_000),
    EfSearch: integer(1, 100_000),
    DhtRouting: isBoolean,
    LshTables: integer(1, 64),
    LshBits: integer(1, 24),
    LshProbes: integer(1, 256),
    LshReplicas: integer(1, 64),
  },
  Logic: { QueryTimeoutMs: integer(1, 2 ** 31) },
}

/**
 * Fills in defaults for missing keys and validates every known key; throws `InvalidConfigError` naming the first
 * bad field (`Compression.Algorithm`, `Addresses.Swarm[2]`, …). Unknown top-level sections are kept as they are, so a
 * config written by a newer version survives a round trip.
 */
export function validateConfig(input: unknown): NodeConfig {
  if (input == null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidConfigError('(root)', `expected an object, got ${describe(input)}`)
  }
  const defaults = defaultConfig() as unknown as Record<string, unknown>
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) }
  const semantic = out.Semantic as Record<string, unknown> | undefined
  // a Semantic section that names no embedder predates the model (or sets its own dimension): word hashing made it
  if (semantic != null && typeof semantic === 'object' && !Array.isArray(semantic) && semantic.Embedder === undefined) {
    out.Semantic = { ...semantic, Embedder: 'hashing' }
  }
  for (const [section, spec] of Object.entries(SCHEMA)) {
    const given = out[section]
    if (typeof spec === 'function') {
      const value = given === undefined ? defaults[section] : given
      spec(value, section)
      out[section] = value
      continue
    }
    if (given !== undefined && (given == null || typeof given !== 'object' || Array.isArray(given))) {
      throw new InvalidConfigError(section, `expected an object, got ${describe(given)}`)
    }
    const merged: Record<string, unknown> = { ...(defaults[section] as object), ...(given as object | undefined) }
    for (const [key, check] of Object.entries(spec)) check(merged[key], `${section}.${key}`)
    out[section] = merged
  }
  const sem = out.Semantic as NodeConfig['Semantic']
  if (sem.Embedder === 'use' && sem.Dimension !== USE_DIMENSION) {
    throw new InvalidConfigError(
      'Semantic.Dimension',
      `the "use" embedder makes ${USE_DIMENSION}-d vectors, got ${sem.Dimension} (set Semantic.Embedder to "hashing" for another dimension)`,
    )
  }
  return out as unknown as NodeConfig
}

/** Returns a copy of `config` with the dotted `key` set to `value`, validated (throws `InvalidConfigError`). */
export function setConfigKey(config: NodeConfig, key: string, value: unknown): NodeConfig {
  const parts = key.split('.')
  if (parts.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
    throw new InvalidConfigError(key, 'not a valid key')
  }
  const copy = structuredClone(config) as unknown as Record<string, unknown>
  let cur = copy
  for (const part of parts.slice(0, -1)) {
    const next = cur[part]
    if (next == null || typeof next !== 'object' || Array.isArray(next)) {
      if (next !== undefined) throw new InvalidConfigError(key, `${part} is not an object`)
      cur[part] = {}
    }
    cur = cur[part] as Record<string, unknown>
  }
  cur[parts[parts.length - 1]!] = value
  return validateConfig(copy)
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'string') return `"${v}"`
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`
}
