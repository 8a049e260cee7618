import { writeFile } from 'node:fs/promises'
import type { TensorFetchProgressEvents } from '@ipfrs/node-api'
import type { Command } from 'commander'
import type { Node } from 'ipfrs'
import type { CliNode } from '../cli-node.js'
import { type GlobalOptions, isRemote, joinNetwork, wantsJson, withNode } from '../context.js'
import { printJson, println, writeStdout } from '../output.js'
import { type Progress, progressBar } from '../progress.js'
import type { CliTensorApi } from '../tensor-api.js'

/** The repo's tensor layer, or with a daemon running its `tensor/*` RPC commands. */
async function tensorApi(node: CliNode): Promise<CliTensorApi> {
  const { localTensorApi, remoteTensorApi } = await import('../tensor-api.js')
  return isRemote(node) ? remoteTensorApi(node.api) : localTensorApi(node as Node)
}

interface NetFlags {
  online?: boolean
  progress?: boolean
}

const ONLINE_HELP = "without a daemon, start this repo's node online for the command (joins its Bootstrap peers)"

/**
 * Runs `fn` with the tensor commands of a node that can reach peers when asked: the daemon's (always online, it
 * fetches what its repo lacks), or with --online the repo's own node, joined to its Bootstrap peers first.
 */
function withTensors<T>(
  globals: GlobalOptions,
  flags: NetFlags,
  fn: (api: CliTensorApi, local: boolean) => Promise<T>,
): Promise<T> {
  return withNode(
    globals,
    async (node) => {
      const local = !isRemote(node)
      if (local && flags.online === true) await joinNetwork(node, { signal: AbortSignal.timeout(30_000) })
      return fn(await tensorApi(node), local)
    },
    { online: flags.online === true },
  )
}

/** A progress listener drawing a bar on stderr once the total is known and over 10 MB (see progressBar). */
function fetchProgress(label: string, flags: NetFlags) {
  let bar: Progress | undefined
  return {
    onProgress(event: TensorFetchProgressEvents) {
      const { done, total } = event.detail
      bar ??= progressBar(label, total, { quiet: flags.progress === false, force: flags.progress === true })
      bar.update(done)
    },
    stop: () => bar?.stop(),
  }
}

/** `ipfrs tensor import|ls|get|export`: tensors and safetensors models as content. */
export function registerTensor(program: Command): void {
  const tensor = program.command('tensor').description('Tensors and safetensors models stored as content.')

  tensor
    .command('import')
    .description(
      'Store a safetensors file as separate 1 MiB-chunk tensor manifests plus a model manifest (a second copy of the ' +
        'bytes; print the model manifest CID). `ipfrs add` stores a model once and its file CID works everywhere.',
    )
    .argument('<file>', 'a .safetensors file')
    .option('--chunk-size <bytes>', 'bytes per chunk (default 1048576)')
    .option('--no-pin', 'do not pin the model')
    .action(async (file: string, flags: { chunkSize?: string; pin: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const chunkSize = flags.chunkSize === undefined ? undefined : Number(flags.chunkSize)
      const { formatCid } = await import('@ipfrs/core/cid')
      await withNode(globals, async (node) => {
        const api = await tensorApi(node)
        const { cid, tensors } = await api.importSafetensors(file, {
          pin: flags.pin,
          ...(chunkSize === undefined ? {} : { chunkSize }),
        })
        if (wantsJson(globals)) printJson({ Model: formatCid(cid), Tensors: tensors })
        else println(formatCid(cid))
      })
    })

  tensor
    .command('fetch')
    .description(
      'Fetch a tensor or safetensors model from peers into the repo and pin it: TensorSwap from the peers that speak ' +
        'it (several at once; a fetch cut short resumes with only the missing chunks), Bitswap for the rest. Prints ' +
        'how many chunks came over each. A progress bar shows on stderr over 10 MB.',
    )
    .argument('<cid>', "a model file's CID (as `ipfrs add` prints it), or a tensor or model manifest CID")
    .option('--name <tensor>', 'of a model file, fetch only the leaves holding this tensor (and the header)')
    .option('--online', ONLINE_HELP)
    .option('--provider <peers...>', 'fetch from these peers (peer IDs or multiaddrs) instead of looking them up')
    .option('--no-pin', 'do not pin what was fetched')
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .option('--no-progress', 'never show the progress bar')
    .action(
      async (cid: string, flags: NetFlags & { provider?: string[]; pin: boolean; name?: string }, cmd: Command) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>()
        await withTensors(globals, flags, async (api) => {
          const progress = fetchProgress('fetching', flags)
          const r = await api
            .fetch(cid, {
              pin: flags.pin,
              onProgress: progress.onProgress,
              ...(flags.provider ? { providers: flags.provider } : {}),
              ...(flags.name !== undefined ? { name: flags.name } : {}),
            })
            .finally(progress.stop)
          if (wantsJson(globals)) printJson(r)
          else
            println(
              `${r.cid}: ${r.chunks} chunks (${r.alreadyHad} already here, ${r.viaTensorSwap} over TensorSwap, ` +
                `${r.viaBitswap} over Bitswap), ${r.bytes} bytes transferred`,
            )
        })
      },
    )

  tensor
    .command('ls')
    .description(
      'List the tensors of a model: CID, dtype (a GGUF file: its ggml type), shape, bytes, name. Given the file CID ' +
        "of a safetensors or GGUF file, reads its header; a node that lacks the file fetches only the header's leaves.",
    )
    .argument('<model-cid>', "a model file's CID, or an old model manifest CID")
    .option('--online', ONLINE_HELP)
    .action(async (cid: string, flags: NetFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { formatCid } = await import('@ipfrs/core/cid')
      await withTensors(globals, flags, async (api) => {
        for (const t of await api.listModel(cid)) {
          if (wantsJson(globals))
            printJson({
              Name: t.name,
              Dtype: t.dtype,
              Shape: t.shape,
              Size: t.byteLength,
              Hash: formatCid(t.cid),
              ...(t.offset !== undefined ? { Offset: t.offset } : {}),
            })
          else println(`${formatCid(t.cid)} ${t.dtype} [${t.shape.join(', ')}] ${t.byteLength} ${t.name}`)
        }
      })
    })

  tensor
    .command('get')
    .description(
      'Write the bytes of a tensor to stdout: with --name, one tensor of a model file (its file CID), fetching only ' +
        'the leaves that hold it; else the stored bytes of a tensor manifest (Arrow IPC stream, raw elements or ' +
        'blob). What the repo ' +
        'lacks is fetched from peers first (through a running daemon, or with --online): TensorSwap where peers speak ' +
        'it, else Bitswap; a progress bar shows on stderr over 10 MB.',
    )
    .argument('<cid>', "a model file's CID (with --name), or a tensor manifest CID")
    .option('--name <tensor>', 'the tensor of the model file to write (its raw little-endian bytes)')
    .option('-o, --output <file>', 'write to this file instead')
    .option('--online', ONLINE_HELP)
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .option('--no-progress', 'never show the progress bar')
    .action(async (cid: string, flags: NetFlags & { output?: string; name?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withTensors(globals, flags, async (layer, local) => {
        if (local && flags.online === true) {
          // fetched unpinned, as a Kubo read caches: the daemon's node does the same inside tensor/get
          const progress = fetchProgress('fetching', flags)
          const name = flags.name !== undefined ? { name: flags.name } : {}
          await layer.fetch(cid, { pin: false, onProgress: progress.onProgress, ...name }).finally(progress.stop)
        }
        const bytes = await layer.getBytes(cid, flags.name)
        if (flags.output === undefined) await writeStdout(bytes)
        else {
          await writeFile(flags.output, bytes)
          if (flags.name !== undefined) process.stderr.write(`${flags.name}: ${bytes.byteLength} bytes\n`)
          else {
            const m = await layer.describe(cid)
            process.stderr.write(`${m.encoding} ${m.dtype} [${m.shape.join(', ')}] ${bytes.byteLength} bytes\n`)
          }
        }
      })
    })

  tensor
    .command('export')
    .description('Rebuild the safetensors file of a model, byte for byte.')
    .argument('<model-cid>')
    .requiredOption('-o, --output <file>', 'the .safetensors file to write')
    .option('--online', ONLINE_HELP)
    .action(async (cid: string, flags: NetFlags & { output: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withTensors(globals, flags, async (api) => {
        const bytes = await api.exportSafetensors(cid)
        await writeFile(flags.output, bytes)
        if (wantsJson(globals)) printJson({ Output: flags.output, Size: bytes.byteLength })
      })
    })
}
