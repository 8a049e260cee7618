import { describe, expect, it } from 'vitest'
import {
  chunkerSize,
  defaultConfig,
  getConfigKey,
  InvalidConfigError,
  setConfigKey,
  validateConfig,
} from '../src/index.js'

describe('NodeConfig', () => {
  it('fills defaults (Kubo import defaults, compression off, encryption off)', () => {
    const config = validateConfig({})
    expect(config).toEqual(defaultConfig())
    expect(config.Import).toEqual({
      CidVersion: 0,
      UnixFSRawLeaves: false,
      UnixFSChunker: 'size-262144',
      UnixFSFileMaxLinks: 174,
    })
    expect(config.Encryption.Enabled).toBe(false)
    expect(config.Logic).toEqual({ QueryTimeoutMs: 10_000 }) // a local logic query never runs unbounded
  })

  it('keeps given values and unknown sections', () => {
    const config = validateConfig({ Compression: { Algorithm: 'zstd' }, Future: { x: 1 } }) as unknown as Record<
      string,
      unknown
    >
    expect((config.Compression as { Algorithm: string; Level: number }).Algorithm).toBe('zstd')
    expect((config.Compression as { Level: number }).Level).toBe(3)
    expect(config.Future).toEqual({ x: 1 })
  })

  it.each([
    [{ Compression: { Algorithm: 'brotli' } }, 'Compression.Algorithm'],
    [{ Addresses: { Swarm: ['/ip4/0.0.0.0/tcp/4001', 'tcp:4001'] } }, 'Addresses.Swarm[1]'],
    [{ Import: { CidVersion: 2 } }, 'Import.CidVersion'],
    [{ Import: { UnixFSChunker: 'rabin' } }, 'Import.UnixFSChunker'],
    [{ Encryption: { Enabled: 'yes' } }, 'Encryption.Enabled'],
    [{ Logic: { QueryTimeoutMs: 0 } }, 'Logic.QueryTimeoutMs'],
    [{ Semantic: { LshTables: 0 } }, 'Semantic.LshTables'],
    [{ Semantic: { LshBits: 25 } }, 'Semantic.LshBits'],
    [{ Semantic: { LshReplicas: 2.5 } }, 'Semantic.LshReplicas'],
    [{ Logic: { QueryTimeoutMs: '10s' } }, 'Logic.QueryTimeoutMs'],
    [{ Datastore: 7 }, 'Datastore'],
    [{ Bootstrap: 'x' }, 'Bootstrap'],
  ])('names the bad field of %j', (input, field) => {
    try {
      validateConfig(input)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidConfigError)
      expect((err as InvalidConfigError).field).toBe(field)
      expect((err as InvalidConfigError).code).toBe('ERR_INVALID_CONFIG')
      expect((err as Error).message).toContain(field)
    }
  })

  it('gets and sets dotted keys with validation', () => {
    const config = validateConfig({})
    const next = setConfigKey(config, 'Compression.Algorithm', 'lz4')
    expect(getConfigKey(next, 'Compression.Algorithm')).toBe('lz4')
    expect(getConfigKey(config, 'Compression.Algorithm')).toBe('none') // the original is untouched
    expect(() => setConfigKey(config, 'Compression.Algorithm', 'gzip')).toThrow(InvalidConfigError)
    expect(() => setConfigKey(config, '__proto__.polluted', 1)).toThrow(InvalidConfigError)
    expect(getConfigKey(config, 'No.Such.Key')).toBeUndefined()
  })

  it('parses chunker sizes and refuses non-interoperable ones', () => {
    expect(chunkerSize('size-262144')).toBe(262144)
    expect(() => chunkerSize('size-0')).toThrow(InvalidConfigError)
    expect(() => chunkerSize(`size-${4 * 1024 * 1024}`)).toThrow(InvalidConfigError)
  })
})
