/** `tensor/*`: tensors and safetensors models over RPC. */
import { formatCid, InvalidParameterError } from '@ipfrs/core'
import { fromIterable, sendBytes, sendJson } from './http-util.js'
import { multipartParts } from './multipart.js'
import type { RpcCommand, RpcContext } from './rpc-context.js'

function sendWhole(res: RpcContext['res'], data: Uint8Array): Promise<void> {
  return sendBytes(res, fromIterable([data]), { 'Content-Length': data.byteLength })
}

export const TENSOR_COMMANDS: Record<string, RpcCommand> = {
  'tensor/ls': async ({ params, node, res, signal }) => {
    const tensors = await node.tensor.listModel(params.arg('model CID'), { signal })
    sendJson(res, {
      Tensors: tensors.map((t) => ({
        name: t.name,
        cid: formatCid(t.cid),
        dtype: t.manifest.dtype,
        shape: [...t.manifest.shape],
        byteLength: t.manifest.byteLength,
        ...(t.offset !== undefined ? { offset: t.offset } : {}),
      })),
    })
  },
  'tensor/stat': async ({ params, node, res, signal }) => {
    const m = await node.tensor.getManifest(params.arg('tensor CID'), { signal })
    sendJson(res, { encoding: m.encoding, dtype: m.dtype, shape: [...m.shape] })
  },
  'tensor/get': async ({ params, node, res, signal }) => {
    const name = params.string('name')
    sendWhole(res, await node.tensor.getBytes(params.arg('tensor CID'), { signal, ...(name != null ? { name } : {}) }))
  },
  'tensor/export': async ({ params, node, res, signal }) =>
    sendWhole(res, await node.tensor.exportSafetensors(params.arg('model CID'), { signal })),
  'tensor/fetch': async ({ params, node, res, signal }) => {
    const providers = params
      .string('provider')
      ?.split(',')
      .filter((p) => p !== '')
    const name = params.string('name')
    const result = await node.tensor.fetch(params.arg('tensor or model CID'), {
      pin: params.bool('pin', true),
      ...(name != null ? { name } : {}),
      signal,
      ...(providers != null && providers.length > 0 ? { providers } : {}),
    })
    sendJson(res, result)
  },
  'tensor/import': async ({ params, node, req, res, signal }) => {
    const chunkSize = params.int('chunk-size')
    for await (const part of multipartParts(req, { maxParts: 1 })) {
      if (part.content == null) continue
      const chunks: Uint8Array[] = []
      for await (const c of part.content) chunks.push(c)
      const { cid, manifest } = await node.tensor.importSafetensors(Buffer.concat(chunks), {
        pin: params.bool('pin', true),
        signal,
        ...(chunkSize != null ? { chunkSize } : {}),
      })
      sendJson(res, { Model: formatCid(cid), Tensors: Object.keys(manifest.tensors).length })
      return
    }
    throw new InvalidParameterError('file', 'no safetensors file in the request')
  },
}
