/**
 * Kubo's `key/import` and `key/export` formats over the RPC API: `libp2p-protobuf-cleartext` (the default) and
 * `pem-pkcs8-cleartext` for Ed25519, round-tripped with a key Node's crypto made, against a real daemon.
 */
import { generateKeyPairSync } from 'node:crypto'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { base36 } from 'multiformats/bases/base36'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rpc, startDaemon, type TestDaemon } from './helpers.js'

function upload(bytes: Uint8Array | string): FormData {
  const form = new FormData()
  form.append('file', new Blob([bytes]), 'key')
  return form
}

describe('key/import and key/export with PEM', () => {
  let d: TestDaemon

  beforeAll(async () => {
    d = await startDaemon()
  })
  afterAll(async () => {
    await d?.stop()
  })

  it('imports a PKCS#8 PEM Ed25519 key from Node’s crypto, exports it back byte for byte, and as protobuf', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url')
    const expectedId = peerIdFromPublicKey(publicKeyFromRaw(raw)).toCID().toString(base36)

    const imported = await rpc(d, 'key/import', {
      query: 'arg=node-made&format=pem-pkcs8-cleartext',
      body: upload(pem),
    })
    expect(imported.status).toBe(200)
    expect(await imported.json()).toEqual({ Name: 'node-made', Id: expectedId })

    const asPem = await rpc(d, 'key/export', { query: 'arg=node-made&format=pem-pkcs8-cleartext' })
    expect(await asPem.text()).toBe(pem)

    // the default format: libp2p protobuf, which imports back to the same identity
    const asProtobuf = new Uint8Array(await (await rpc(d, 'key/export', { query: 'arg=node-made' })).arrayBuffer())
    expect(asProtobuf.byteLength).toBe(68)
    const again = await rpc(d, 'key/import', {
      query: 'arg=copy&format=libp2p-protobuf-cleartext',
      body: upload(asProtobuf),
    })
    expect(await again.json()).toEqual({ Name: 'copy', Id: expectedId })
  })

  it('refuses a bad PEM, a non-Ed25519 PEM and an unknown format with 400 and a code', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' })
    const cases: Array<[string, string | Uint8Array, string]> = [
      ['arg=x&format=pem-pkcs8-cleartext', 'not a pem at all', 'ERR_INVALID_PEM_KEY'],
      [
        'arg=x&format=pem-pkcs8-cleartext',
        '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
        'ERR_INVALID_PEM_KEY',
      ],
      ['arg=x&format=pem-pkcs8-cleartext', rsa.toString(), 'ERR_INVALID_PEM_KEY'],
      ['arg=x&format=pem-pkcs1', 'whatever', 'ERR_UNSUPPORTED_KEY_FORMAT'],
      ['arg=x', 'not protobuf', 'ERR_INVALID_KEY'],
    ]
    for (const [query, body, code] of cases) {
      const res = await rpc(d, 'key/import', { query, body: upload(body) })
      expect([query, res.status, res.headers.get('x-ipfrs-error-code')]).toEqual([query, 400, code])
    }
    const badExport = await rpc(d, 'key/export', { query: 'arg=self&format=jwk' })
    expect(badExport.status).toBe(400)
    expect((await rpc(d, 'key/list')).status).toBe(200) // the daemon is fine
  })
})
