import { writeFile } from 'node:fs/promises'
import { formatCid } from '@ipfrs/core'
import type { Command } from 'commander'
import type { Node } from 'ipfrs'
import type { CliNode } from '../cli-node.js'
import { type GlobalOptions, wantsJson, withNode } from '../context.js'
import { printJson, println, writeStdout } from '../output.js'
import { RemoteNode } from '../remote-node.js'
import { type CliTensorApi, localTensorApi, remoteTensorApi } from '../tensor-api.js'

/** The repo's tensor layer, or with a daemon running its `tensor/*` RPC commands. */
function tensorApi(node: CliNode): CliTensorApi {
  return node instanceof RemoteNode ? remoteTensorApi(node.api) : localTensorApi(node as Node)
}

/** `ipfrs tensor import|ls|get|export`: tensors and safetensors models as content. */
export function registerTensor(program: Command): void {
  const tensor = program.command('tensor').description('Tensors and safetensors models stored as content.')

  tensor
    .command('import')
    .description('Store a safetensors file as tensor manifests plus a model manifest; print the model manifest CID.')
    .argument('<file>', 'a .safetensors file')
    .option('--chunk-size <bytes>', 'bytes per chunk (default 1048576)')
    .option('--no-pin', 'do not pin the model')
    .action(async (file: string, flags: { chunkSize?: string; pin: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const chunkSize = flags.chunkSize === undefined ? undefined : Number(flags.chunkSize)
      await withNode(globals, async (node) => {
        const { cid, tensors } = await tensorApi(node).importSafetensors(file, {
          pin: flags.pin,
          ...(chunkSize === undefined ? {} : { chunkSize }),
        })
        if (wantsJson(globals)) printJson({ Model: formatCid(cid), Tensors: tensors })
        else println(formatCid(cid))
      })
    })

  tensor
    .command('ls')
    .description('List the tensors of a model: name, dtype, shape, bytes, tensor manifest CID.')
    .argument('<model-cid>')
    .action(async (cid: string, _flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withNode(globals, async (node) => {
        for (const t of await tensorApi(node).listModel(cid)) {
          if (wantsJson(globals))
            printJson({ Name: t.name, Dtype: t.dtype, Shape: t.shape, Size: t.byteLength, Hash: formatCid(t.cid) })
          else println(`${formatCid(t.cid)} ${t.dtype} [${t.shape.join(', ')}] ${t.byteLength} ${t.name}`)
        }
      })
    })

  tensor
    .command('get')
    .description('Write the stored bytes of a tensor manifest (Arrow IPC stream, raw elements or blob) to stdout.')
    .argument('<cid>', 'a tensor manifest CID')
    .option('-o, --output <file>', 'write to this file instead')
    .action(async (cid: string, flags: { output?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withNode(globals, async (node) => {
        const layer = tensorApi(node)
        const bytes = await layer.getBytes(cid)
        if (flags.output === undefined) await writeStdout(bytes)
        else {
          await writeFile(flags.output, bytes)
          const m = await layer.describe(cid)
          process.stderr.write(`${m.encoding} ${m.dtype} [${m.shape.join(', ')}] ${bytes.byteLength} bytes\n`)
        }
      })
    })

  tensor
    .command('export')
    .description('Rebuild the safetensors file of a model, byte for byte.')
    .argument('<model-cid>')
    .requiredOption('-o, --output <file>', 'the .safetensors file to write')
    .action(async (cid: string, flags: { output: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withNode(globals, async (node) => {
        const bytes = await tensorApi(node).exportSafetensors(cid)
        await writeFile(flags.output, bytes)
        if (wantsJson(globals)) printJson({ Output: flags.output, Size: bytes.byteLength })
      })
    })
}
