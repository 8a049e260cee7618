import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The built CLI: tests run the real binary, not its functions. */
export const BIN = new URL('../dist/bin.js', import.meta.url).pathname

export interface RunResult {
  code: number
  stdout: Buffer
  stderr: string
}

/** A temp dir holding `repo/`, with `ipfrs(...)` running the CLI against it. */
export async function cliEnv(extraEnv: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'ipfrs-cli-'))
  const repo = join(dir, 'repo')
  const env = { ...process.env, IPFRS_PATH: repo, ...extraEnv }
  const children = new Set<ChildProcess>()
  const start = (args: string[], input?: Uint8Array | string, moreEnv: Record<string, string> = {}) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...env, ...moreEnv },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    children.add(child)
    child.once('exit', () => children.delete(child))
    child.stdin!.on('error', () => undefined) // a command that exits before reading all its input (EPIPE)
    if (input !== undefined) child.stdin.end(input)
    else child.stdin.end()
    return child
  }
  const ipfrs = (
    args: string[],
    input?: Uint8Array | string,
    moreEnv: Record<string, string> = {},
  ): Promise<RunResult> =>
    new Promise((resolve, reject) => {
      const child = start(args, input, moreEnv)
      const out: Buffer[] = []
      let err = ''
      child.stdout!.on('data', (d: Buffer) => out.push(d))
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString()
      })
      child.once('error', reject)
      child.once('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: err }))
    })
  return {
    dir,
    repo,
    ipfrs,
    start,
    /** stdout as trimmed text, failing the test with stderr when the command failed. */
    ok: async (args: string[], input?: Uint8Array | string): Promise<string> => {
      const r = await ipfrs(args, input)
      if (r.code !== 0) throw new Error(`ipfrs ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
      return r.stdout.toString().trim()
    },
    cleanup: async () => {
      for (const child of children) child.kill('SIGKILL')
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/**
 * A fresh repo made with `init --profile test`: swarm, API and gateway on free 127.0.0.1 ports (so daemons of
 * parallel tests never collide), no bootstrap peers.
 */
export async function testRepo(): Promise<Awaited<ReturnType<typeof cliEnv>>> {
  const env = await cliEnv()
  await env.ok(['init', '--profile', 'test'])
  return env
}

/** A safetensors file as the format documents it: u64-LE header length, JSON header (space-padded), tensor data. */
export function safetensors(seed = 0): Buffer {
  const w = Float32Array.from({ length: 50_000 }, (_, i) => Math.sin(i + seed))
  const header = JSON.stringify({
    __metadata__: { format: 'pt' },
    w: { dtype: 'F32', shape: [500, 100], data_offsets: [0, w.byteLength] },
    b: { dtype: 'BF16', shape: [4], data_offsets: [w.byteLength, w.byteLength + 8] },
  })
  const h = Buffer.from(header.padEnd(Math.ceil(header.length / 8) * 8, ' '))
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(h.byteLength))
  return Buffer.concat([len, h, Buffer.from(w.buffer), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])])
}
