/**
 * A full disk, for real: the repo lives on a small tmpfs that a filler file fills up. Every write path that hits ENOSPC
 * (block writes, datastore writes for pins) fails with a typed `ERR_DISK_FULL` (HTTP 507), nothing half-written is
 * kept, and once space is back the same node adds, pins and serves again with a clean `repo verify`.
 * Mounting needs root (or CAP_SYS_ADMIN); where it is impossible the suite is skipped and says why.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { localConfig } from '@ipfrs/core'
import { collect } from '@ipfrs/test-utils'
import { createNode, type Node } from 'ipfrs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Daemon } from '../src/index.js'

const mountPoint = mkdtempSync(join(tmpdir(), 'ipfrs-diskfull-'))
const mountError = (() => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint], { stdio: 'pipe' })
    return undefined
  } catch (err) {
    rmSync(mountPoint, { recursive: true, force: true })
    return `cannot mount a tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()}): needs root`
  }
})()
if (mountError !== undefined) console.warn(`disk-full tests skipped: ${mountError}`)

describe.skipIf(mountError !== undefined)('a full disk (a 24 MiB tmpfs filled up)', () => {
  const filler = join(mountPoint, 'filler')
  let node: Node
  let daemon: Daemon

  /** Fills the tmpfs to the last byte, then gives back `headroom` bytes. */
  async function fill(headroom: number): Promise<void> {
    const fh = await open(filler, 'w')
    const chunk = Buffer.alloc(64 * 1024, 1)
    let size = 0
    try {
      for (;;) {
        const { bytesWritten } = await fh.write(chunk, 0, chunk.length, size)
        size += bytesWritten
        if (bytesWritten < chunk.length) break
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
    }
    await fh.truncate(Math.max(0, size - headroom))
    await fh.close()
  }
  const freeSpace = () => rm(filler, { force: true })

  const add = async (bytes: Uint8Array) => {
    const boundary = 'ipfrs-disk-full'
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ])
    return fetch(`${daemon.apiUrl}/api/v0/add?pin=true`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    })
  }

  beforeAll(async () => {
    node = createNode({
      repoPath: join(mountPoint, 'repo'),
      init: { config: localConfig({ transports: ['tcp'] }) as never },
      online: false,
    })
    await node.start()
    daemon = await Daemon.start({ node, repoPath: join(mountPoint, 'repo') })
  }, 60_000)

  afterAll(async () => {
    await daemon?.stop().catch(() => undefined)
    await node?.stop().catch(() => undefined)
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' })
    } finally {
      rmSync(mountPoint, { recursive: true, force: true })
    }
  })

  it('node.addBytes fails with ERR_DISK_FULL (507), and the same add works once space is back', async () => {
    const data = randomBytes(2 * 1024 * 1024)
    await fill(16 * 1024)
    const err = await node.addBytes(data).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'ERR_DISK_FULL', httpStatus: 507, name: 'DiskFullError' })
    await freeSpace()
    const { cid } = await node.addBytes(data)
    expect(Buffer.compare(await collect(node.cat(cid)), data)).toBe(0)
  })

  it("the RPC add answers 507 ERR_DISK_FULL with Kubo's error body; the daemon keeps serving; later adds work", async () => {
    const data = randomBytes(2 * 1024 * 1024)
    await fill(16 * 1024)
    const full = await add(data)
    expect(full.status).toBe(507)
    expect(full.headers.get('x-ipfrs-error-code')).toBe('ERR_DISK_FULL')
    expect(await full.json()).toMatchObject({ Code: 0, Type: 'error', Message: expect.stringMatching(/no space left/) })
    expect((await fetch(`${daemon.apiUrl}/api/v0/version`, { method: 'POST' })).status).toBe(200)
    await freeSpace()
    const ok = await add(data)
    expect(ok.status).toBe(200)
    const { Hash } = (await ok.json()) as { Hash: string }
    expect(Buffer.compare(await collect(node.cat(Hash)), data)).toBe(0)
  })

  it('a pin written to a full datastore fails with ERR_DISK_FULL; after space is back pins work and verify is clean', async () => {
    const data = randomBytes(64 * 1024)
    const { cid } = await node.addBytes(data, { pin: false })
    // the blocks are written while there is space; then the disk is filled to the last byte and only pin records
    // (LevelDB writes) remain, until its log has to grow
    const smalls = []
    for (let i = 0; i < 3000; i++) smalls.push((await node.addBytes(Buffer.from(`pin-${i}`), { pin: false })).cid)
    await fill(0)
    let failure: unknown
    for (const small of smalls) {
      failure = await node.pin.add(small).then(
        () => undefined,
        (e: unknown) => e,
      )
      if (failure !== undefined) break
    }
    expect(failure).toMatchObject({
      code: 'ERR_DISK_FULL',
      httpStatus: 507,
      message: expect.stringMatching(/datastore/),
    })
    await freeSpace()
    await node.pin.add(cid)
    expect((await Array.fromAsync(node.pin.ls())).some((p) => p.cid.equals(cid))).toBe(true)
    const verify = await node.repoVerify()
    expect(verify.problems).toEqual([])
    expect(verify.checked).toBeGreaterThan(0)
    expect(Buffer.compare(await collect(node.cat(cid)), data)).toBe(0)
  })
})
