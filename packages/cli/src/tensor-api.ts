import { readFile } from 'node:fs/promises'
import { type CID, parseCid } from '@ipfrs/core'
import type { LocalNodeApi, TensorFetchOptions, TensorFetchResult } from '@ipfrs/node-api'
import type { ApiClient } from './api-client.js'

/** One tensor of a model, as `tensor ls` shows it. */
export interface TensorEntry {
  name: string
  cid: CID
  dtype: string
  shape: number[]
  byteLength: number
  /** Where it starts in the model file (a model stored as its file). */
  offset?: number
}

/** What the `tensor` commands need, from the repo (local) or from a running daemon (its `tensor/*` commands). */
export interface CliTensorApi {
  importSafetensors(
    file: string,
    options: { pin?: boolean; chunkSize?: number },
  ): Promise<{ cid: CID; tensors: number }>
  listModel(cid: string): Promise<TensorEntry[]>
  /** A tensor manifest's bytes, or with `name` one tensor of a model file. */
  getBytes(cid: string, name?: string): Promise<Uint8Array>
  describe(cid: string): Promise<{ encoding: string; dtype: string; shape: number[] }>
  exportSafetensors(cid: string): Promise<Uint8Array>
  /** Fetches what the repo lacks from peers (a daemon's node, or a local node started online); pins unless told not to. */
  fetch(
    cid: string,
    options: Pick<TensorFetchOptions, 'pin' | 'providers' | 'onProgress' | 'name'>,
  ): Promise<TensorFetchResult>
}

/** The tensor commands on an opened repo. */
export function localTensorApi(node: LocalNodeApi): CliTensorApi {
  const layer = () => node.tensor
  return {
    async importSafetensors(file, options) {
      const { cid, manifest } = await layer().importSafetensors(file, options)
      return { cid, tensors: Object.keys(manifest.tensors).length }
    },
    async listModel(cid) {
      return (await layer().listModel(cid)).map((t) => ({
        name: t.name,
        cid: t.cid,
        dtype: t.manifest.dtype,
        shape: [...t.manifest.shape],
        byteLength: t.manifest.byteLength,
        ...(t.offset !== undefined ? { offset: t.offset } : {}),
      }))
    },
    getBytes: (cid, name) => layer().getBytes(cid, name !== undefined ? { name } : {}),
    async describe(cid) {
      const m = await layer().getManifest(cid)
      return { encoding: m.encoding, dtype: m.dtype, shape: [...m.shape] }
    },
    exportSafetensors: (cid) => layer().exportSafetensors(cid),
    fetch: (cid, options) => layer().fetch(cid, options),
  }
}

/** The tensor commands through a daemon's RPC API. */
export function remoteTensorApi(api: ApiClient): CliTensorApi {
  const bytes = async (command: string, cid: string, name?: string) =>
    new Uint8Array(await (await api.call(command, { arg: cid, name })).arrayBuffer())
  return {
    async importSafetensors(file, options) {
      const content = (async function* () {
        yield await readFile(file)
      })()
      const out = await api.json<{ Model: string; Tensors: number }>(
        'tensor/import',
        { pin: options.pin, 'chunk-size': options.chunkSize },
        {
          parts: (async function* () {
            yield { path: 'model.safetensors', content }
          })(),
        },
      )
      return { cid: parseCid(out.Model), tensors: out.Tensors }
    },
    async listModel(cid) {
      const out = await api.json<{ Tensors: Array<Omit<TensorEntry, 'cid'> & { cid: string }> }>('tensor/ls', {
        arg: cid,
      })
      return out.Tensors.map((t) => ({ ...t, cid: parseCid(t.cid) }))
    },
    getBytes: (cid, name) => bytes('tensor/get', cid, name),
    describe: (cid) => api.json('tensor/stat', { arg: cid }),
    exportSafetensors: (cid) => bytes('tensor/export', cid),
    // the daemon reports no progress while it fetches: the result comes when it is done
    fetch: (cid, options) =>
      api.json('tensor/fetch', {
        arg: cid,
        pin: options.pin,
        provider: options.providers?.join(','),
        name: options.name,
      }),
  }
}
