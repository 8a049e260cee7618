import { describe, expect, it } from 'vitest'
import {
  BlockNotFoundError,
  DiskFullError,
  diskFullOr,
  httpStatusOf,
  InvalidCidError,
  IpfrsError,
  isDiskFull,
  isIpfrsError,
  isSafeEntryName,
  UnsafePathError,
} from '../src/index.js'

class PlainFailure extends IpfrsError {
  static readonly code = 'ERR_TEST_PLAIN'
  constructor() {
    super(PlainFailure.code, 'plain')
  }
}

describe('IpfrsError', () => {
  it('carries its class httpStatus on every instance; a class that says nothing is a 500', () => {
    expect(new InvalidCidError('x').httpStatus).toBe(400)
    expect(new BlockNotFoundError('bafy').httpStatus).toBe(404)
    expect(new PlainFailure().httpStatus).toBe(500)
    expect(httpStatusOf(new InvalidCidError('x'))).toBe(400)
    expect(httpStatusOf(new Error('boom'))).toBe(500)
    expect(httpStatusOf('a string')).toBe(500)
  })

  it('isIpfrsError says no to a Node system error, yes to ours, and matches the code', async () => {
    const { readFile } = await import('node:fs/promises')
    const enoent = await readFile('/no/such/file/here').catch((err: unknown) => err)
    expect((enoent as { code?: string }).code).toBe('ENOENT')
    expect(isIpfrsError(enoent)).toBe(false)
    expect(isIpfrsError(enoent, 'ENOENT')).toBe(false)
    expect(httpStatusOf(enoent)).toBe(500)
    const ours = new InvalidCidError('x')
    expect(isIpfrsError(ours)).toBe(true)
    expect(isIpfrsError(ours, 'ERR_INVALID_CID')).toBe(true)
    expect(isIpfrsError(ours, 'ERR_OTHER')).toBe(false)
  })

  it('isIpfrsError recognises an error made by another copy of this package (brand, not instanceof)', () => {
    // what a second copy of @ipfrs/core produces: a different class whose instances carry the realm-wide brand
    class ForeignBase extends Error {
      readonly code = 'ERR_FOREIGN'
      constructor() {
        super('from another copy')
        Object.defineProperty(this, Symbol.for('@ipfrs/core/error'), { value: true })
      }
    }
    const foreign = new ForeignBase()
    expect(foreign instanceof IpfrsError).toBe(false)
    expect(isIpfrsError(foreign, 'ERR_FOREIGN')).toBe(true)
    const lookalike = Object.assign(new Error('x'), { code: 'ERR_INVALID_CID' })
    expect(isIpfrsError(lookalike)).toBe(false)
  })

  it('isSafeEntryName refuses empty, ".", "..", "/", backslash and NUL', () => {
    for (const bad of ['', '.', '..', 'a/b', '/', 'a\\b', 'a\0b']) expect(isSafeEntryName(bad)).toBe(false)
    for (const good of ['a', '...', '.hidden', 'a b', 'ünï', 'a..b']) expect(isSafeEntryName(good)).toBe(true)
    expect(new UnsafePathError('..').code).toBe('ERR_UNSAFE_PATH')
  })
})

describe('a full disk', () => {
  it('isDiskFull sees ENOSPC/EDQUOT itself, in a cause chain, or in the message of a store that kept only the message', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
    expect(isDiskFull(enospc)).toBe(true)
    expect(isDiskFull(Object.assign(new Error('quota'), { code: 'EDQUOT' }))).toBe(true)
    expect(isDiskFull(new Error('put failed', { cause: new Error('wrapped', { cause: enospc }) }))).toBe(true)
    // blockstore-fs / datastore-level: PutFailedError(String(err)); LevelDB: "IO error: ...: No space left on device"
    expect(isDiskFull(Object.assign(new Error(String(enospc)), { name: 'PutFailedError' }))).toBe(true)
    expect(isDiskFull(new Error('IO error: /r/datastore/000005.log: No space left on device'))).toBe(true)
    expect(isDiskFull(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }))).toBe(false)
    expect(isDiskFull(new InvalidCidError('ENOSPC'))).toBe(false) // our own errors say what they are
  })

  it('diskFullOr types it as ERR_DISK_FULL (507) and passes anything else through; httpStatusOf says 507 either way', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })
    const typed = diskFullOr(enospc, 'writing a block')
    expect(typed).toBeInstanceOf(DiskFullError)
    expect(typed).toMatchObject({ code: 'ERR_DISK_FULL', httpStatus: 507, cause: enospc })
    expect(httpStatusOf(enospc)).toBe(507)
    const other = new Error('boom')
    expect(diskFullOr(other, 'x')).toBe(other)
  })
})
