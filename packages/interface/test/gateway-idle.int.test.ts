import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { NodeApi } from '@ipfrs/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gatewayHandler } from '../src/gateway.js'
import { startDaemon, type TestDaemon } from './helpers.js'

describe('gateway caches when idle', () => {
  let d: TestDaemon
  let server: Server
  let release: (() => void) | undefined
  let reads = 0

  beforeAll(async () => {
    d = await startDaemon()
    // the real node, counting the file reads the gateway makes through it
    const node = new Proxy(d.node as unknown as NodeApi, {
      get(target, key) {
        const value = Reflect.get(target, key)
        if (key !== 'cat' || typeof value !== 'function')
          return typeof value === 'function' ? value.bind(target) : value
        return (...args: unknown[]) => {
          reads++
          return value.apply(target, args)
        }
      },
    })
    const idle = {
      onIdle: (r: () => void) => {
        release = r
      },
    }
    server = createServer(gatewayHandler(node, { idle }))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  })
  afterAll(async () => {
    server?.close()
    await d?.stop()
  })

  it('serves a hot file from memory, drops it when told the daemon is idle, then reads it again', async () => {
    const content = Buffer.from('kept while busy, dropped when idle\n')
    const cid = (await d.node.addBytes(content)).cid.toString()
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ipfs/${cid}`
    const get = async () => Buffer.from(await (await fetch(url)).arrayBuffer())
    expect((await get()).equals(content)).toBe(true)
    expect((await get()).equals(content)).toBe(true)
    expect(reads).toBe(1) // the second from the cache
    expect(release).toBeTypeOf('function')
    release?.()
    expect((await get()).equals(content)).toBe(true)
    expect(reads).toBe(2) // read through the node again
    expect((await get()).equals(content)).toBe(true)
    expect(reads).toBe(2)
  })
})
