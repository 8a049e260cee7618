/**
 * Bad arguments to the feature RPC commands of a real daemon (logic, semantic, tensor) are the caller's fault: each
 * answers 4xx with Kubo's error body (`Code: 1`) and our stable code in X-Ipfrs-Error-Code, never a 500.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testRepo } from './helpers.js'

type Env = Awaited<ReturnType<typeof testRepo>>

describe('feature RPC argument errors through a running daemon', () => {
  let env: Env
  let api: string
  beforeAll(async () => {
    env = await testRepo()
    await env.ok(['daemon', '--background'])
    const addr = (await readFile(join(env.repo, 'api'), 'utf8')).trim()
    const [, host, port] = /\/ip4\/([^/]+)\/tcp\/(\d+)/.exec(addr) ?? []
    api = `http://${host}:${port}/api/v0`
  }, 120_000)
  afterAll(async () => {
    await env?.ipfrs(['daemon', 'stop'])
    await env?.cleanup()
  })

  const call = async (command: string, query: Record<string, string> = {}, body?: { name: string; bytes: string }) => {
    const qs = new URLSearchParams(query).toString()
    const boundary = 'ipfrs-rpc-errors'
    const init: RequestInit = { method: 'POST' }
    if (body) {
      init.headers = { 'Content-Type': `multipart/form-data; boundary=${boundary}` }
      init.body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${body.name}"\r\nContent-Type: application/octet-stream\r\n\r\n${body.bytes}\r\n--${boundary}--\r\n`
    }
    const res = await fetch(`${api}/${command}${qs ? `?${qs}` : ''}`, init)
    const json = (await res.json()) as { Code?: number; Type?: string }
    return [res.status, res.headers.get('x-ipfrs-error-code'), json.Code, json.Type]
  }

  it('logic: syntax errors and malformed clauses are 400 ERR_PARSE / ERR_INVALID_CLAUSE', async () => {
    expect(await call('logic/query', { arg: 'foo(,,' })).toEqual([400, 'ERR_PARSE', 1, 'error'])
    expect(await call('logic/prove', { arg: 'foo(' })).toEqual([400, 'ERR_PARSE', 1, 'error'])
    expect(await call('logic/add-fact', { arg: 'X' })).toEqual([400, 'ERR_PARSE', 1, 'error'])
    expect(await call('logic/add-rule', { arg: 'foo(a)' })).toEqual([400, 'ERR_INVALID_CLAUSE', 1, 'error'])
    expect(await call('logic/load', {}, { name: 'p.pl', bytes: 'foo(,,).' })).toEqual([400, 'ERR_PARSE', 1, 'error'])
    expect(await call('logic/query', { arg: 'X is foo + 1' })).toEqual([400, 'ERR_EVALUATION', 1, 'error'])
    expect(await call('logic/query', {})).toEqual([400, 'ERR_INVALID_ARGUMENT', 1, 'error'])
    expect(await call('logic/fetch', { arg: 'not-a-cid' })).toEqual([400, 'ERR_INVALID_CID', 1, 'error'])
    // the daemon still answers a good query
    expect((await call('logic/add-fact', { arg: 'likes(ann, tea)' }))[0]).toBe(200)
  })

  it('semantic and tensor: bad arguments are 4xx with a stable code', async () => {
    expect(await call('semantic/query', { arg: 'x', 'min-score': 'abc' })).toEqual([
      400,
      'ERR_INVALID_PARAMETER',
      1,
      'error',
    ])
    expect(await call('semantic/index', { arg: 'not-a-cid' })).toEqual([400, 'ERR_INVALID_CID', 1, 'error'])
    expect(await call('tensor/stat', { arg: 'not-a-cid' })).toEqual([400, 'ERR_INVALID_CID', 1, 'error'])
    expect(await call('tensor/import', {}, { name: 'm.safetensors', bytes: 'not safetensors' })).toEqual([
      400,
      'ERR_INVALID_SAFETENSORS',
      1,
      'error',
    ])
    const added = JSON.parse(await env.ok(['add', '--json', '-Q'], 'not a tensor\n'))
    const [status, code] = await call('tensor/stat', { arg: added.Hash })
    expect([status, code]).toEqual([400, 'ERR_NOT_A_MODEL'])
  })
})
