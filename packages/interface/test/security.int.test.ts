import { request } from 'node:http'
import { defaultConfig } from '@ipfrs/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KuboError, rpc, startDaemon, type TestDaemon } from './helpers.js'

/** A POST with headers fetch() will not send as given (Host). */
function rawPost(base: string, path: string, headers: Record<string, string>): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method: 'POST', headers }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('security: origins and bearer tokens', () => {
  let d: TestDaemon
  beforeAll(async () => {
    d = await startDaemon({
      configure: (c) => {
        c.API = {
          AllowedOrigins: ['http://localhost:3000'],
          Authorizations: {
            full: { AuthSecret: 'bearer:s3cret-full-token', AllowedPaths: ['/api/v0'] },
            reader: { AuthSecret: 'bearer:reader-only-token', AllowedPaths: ['/api/v0/cat', '/api/v0/version'] },
          },
          MaxRequestBodyBytes: defaultConfig().API.MaxRequestBodyBytes,
        }
      },
    })
  })
  afterAll(async () => {
    await d?.stop()
  })
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` })

  it('refuses cross-origin browser requests with 403 and lets configured origins in with CORS headers', async () => {
    const evil = await rpc(d, 'version', { headers: { Origin: 'http://evil.example', ...auth('s3cret-full-token') } })
    expect(evil.status).toBe(403)
    expect(((await evil.json()) as KuboError).Type).toBe('error')
    const viaReferer = await rpc(d, 'version', {
      headers: { Referer: 'http://evil.example/page', ...auth('s3cret-full-token') },
    })
    expect(viaReferer.status).toBe(403)
    const ok = await rpc(d, 'version', { headers: { Origin: 'http://localhost:3000', ...auth('s3cret-full-token') } })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:3000')
  })

  it('answers CORS preflights (which carry no token) for configured origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${d.daemon.apiUrl}/api/v0/version`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      })
    const ok = await preflight('http://localhost:3000')
    expect(ok.status).toBe(204)
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:3000')
    expect(ok.headers.get('access-control-allow-headers')).toContain('Authorization')
    expect((await preflight('http://evil.example')).status).toBe(403)
  })

  it('treats a page on a DNS-rebound name as cross-origin, and the API’s own IP origin as its own', async () => {
    const port = new URL(d.daemon.apiUrl).port
    const rebound = await rawPost(d.daemon.apiUrl, '/api/v0/version', {
      Host: `evil.example:${port}`,
      Origin: `http://evil.example:${port}`,
      Authorization: 'Bearer s3cret-full-token',
    })
    expect(rebound.status).toBe(403)
    const own = await rawPost(d.daemon.apiUrl, '/api/v0/version', {
      Host: `127.0.0.1:${port}`,
      Origin: `http://127.0.0.1:${port}`,
      Authorization: 'Bearer s3cret-full-token',
    })
    expect(own.status).toBe(200)
  })

  it('needs a valid bearer token (401) allowed for the path (403)', async () => {
    expect((await rpc(d, 'version')).status).toBe(401)
    expect((await rpc(d, 'version', { headers: auth('wrong-token-xyz') })).status).toBe(401)
    expect((await rpc(d, 'version', { headers: { Authorization: 'Basic abc' } })).status).toBe(401)
    expect((await rpc(d, 'version', { headers: auth('s3cret-full-token') })).status).toBe(200)
    expect((await rpc(d, 'version', { headers: auth('reader-only-token') })).status).toBe(200)
    expect((await rpc(d, 'repo/gc', { headers: auth('reader-only-token') })).status).toBe(403)
  })

  it('rejects invalid Authorizations config at init with an error naming the field', async () => {
    await expect(
      startDaemon({
        configure: (c) => {
          // only the field under test: the rest of API is left out on purpose
          c.API = { Authorizations: { x: { AuthSecret: 'bearer:short', AllowedPaths: ['/api/v0'] } } } as never
        },
      }),
    ).rejects.toThrow(/API\.Authorizations\.x\.AuthSecret/)
  })
})
