import { spawn } from 'node:child_process'
import { openSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Daemon, DaemonMetrics, defaultSubsystems } from '@ipfrs/interface'
import type { Command } from 'commander'
import { createNode } from 'ipfrs'
import { ApiClient } from '../api-client.js'
import { type GlobalOptions, joinNetwork, passphrase, repoPath } from '../context.js'
import { DaemonNotRunningError, DaemonRunningError, DaemonStartError, DaemonStopTimeoutError } from '../errors.js'
import { featureHealth, featureRpcCommands } from '../features.js'
import { println } from '../output.js'

const PID_FILE = 'daemon.pid'
const LOG_FILE = 'daemon.log'
const READY_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 30_000

interface DaemonFlags {
  background?: boolean
  pidFile?: string
  api?: string
  gateway?: string
}

export function registerDaemon(program: Command): void {
  const daemon = program
    .command('daemon')
    .description('Run the node: swarm, DHT, Bitswap, the RPC API, the gateway, /health and /metrics.')
    .option('-d, --background', 'fork, detach, and return once the API answers (output goes to <repo>/daemon.log)')
    .option('--pid-file <path>', 'where the PID file goes (default <repo>/daemon.pid)')
    .option('--api <multiaddr>', 'listen for the RPC API here instead of Addresses.API')
    .option('--gateway <multiaddr>', 'serve the gateway here instead of Addresses.Gateway')
    .addHelpText(
      'after',
      `
In the foreground the daemon runs until SIGINT or SIGTERM, then stops gracefully (closes the API, leaves the
network, flushes and closes the repo) and removes its PID file. While it runs, other ipfrs commands on the same repo
talk to it through the API (the address is in <repo>/api), as Kubo's do.
  ipfrs daemon              run in the foreground
  ipfrs daemon -d           run in the background
  ipfrs daemon stop         stop the background daemon`,
    )
    .action(async (flags: DaemonFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      if (flags.background) await startBackground(globals, flags)
      else await runForeground(globals, flags)
    })

  daemon
    .command('stop')
    .description('Stop the daemon running on this repo (SIGTERM, then wait for it to exit).')
    .option('--pid-file <path>', 'the PID file the daemon wrote (default <repo>/daemon.pid)')
    .action(async (flags: { pidFile?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await stopDaemon(pidFileOf(globals, flags.pidFile ?? cmd.parent?.opts<DaemonFlags>().pidFile))
    })
}

function pidFileOf(globals: GlobalOptions, given?: string): string {
  return given ?? join(repoPath(globals), PID_FILE)
}

/** The PID in `file` if that process is alive; a stale file (dead PID, garbage) is removed and undefined returned. */
async function livePid(file: string): Promise<number | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  const pid = Number(text.trim())
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid
  await rm(file, { force: true })
  process.stderr.write(`removed a stale PID file (${file}: ${text.trim() || 'empty'})\n`)
  return undefined
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function runForeground(globals: GlobalOptions, flags: DaemonFlags): Promise<void> {
  const repo = repoPath(globals)
  const pidFile = pidFileOf(globals, flags.pidFile)
  const running = await livePid(pidFile)
  if (running != null && running !== process.pid)
    throw new DaemonRunningError(`a daemon is already running on this repo (PID ${running})`)
  // listen for the stop signal before anyone can learn that we exist (the api file, "Daemon is ready"): a signal with
  // no listener would kill the process without a graceful stop; one that comes during start-up stops us once started
  const stopSignal = new Promise<string>((resolve) => {
    process.on('SIGINT', () => resolve('SIGINT'))
    process.on('SIGTERM', () => resolve('SIGTERM'))
  })
  const metrics = new DaemonMetrics()
  const node = createNode({ repoPath: repo, passphrase: passphrase(), online: true, metricsRegistry: metrics.registry })
  await node.start() // ERR_REPO_LOCKED names the holder if another process has the repo
  // the PID file exists before the API answers, so `daemon -d` followed at once by `daemon stop` finds it
  await writeFile(pidFile, `${process.pid}\n`)
  let daemon: Daemon
  try {
    daemon = await Daemon.start({
      node,
      repoPath: repo,
      metrics,
      apiAddress: flags.api,
      gatewayAddress: flags.gateway,
      commands: featureRpcCommands(node),
      subsystems: defaultSubsystems(node, featureHealth(node)),
    })
  } catch (err) {
    await rm(pidFile, { force: true })
    await node.stop()
    throw err
  }
  void joinNetwork(node, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined)
  println(`Peer ID: ${node.peerId}`)
  for (const addr of node.network.addresses()) println(`Swarm listening on ${addr}`)
  println(`RPC API server listening on ${daemon.apiMultiaddr}`)
  println(`Gateway server listening on ${daemon.gatewayUrl}`)
  println('Daemon is ready')
  const signal = await stopSignal
  println(`Received ${signal}, shutting down...`)
  try {
    await daemon.stop()
    await node.stop()
  } finally {
    await rm(pidFile, { force: true })
  }
  println('Daemon stopped')
}

async function startBackground(globals: GlobalOptions, flags: DaemonFlags): Promise<void> {
  const repo = repoPath(globals)
  const pidFile = pidFileOf(globals, flags.pidFile)
  const running = await livePid(pidFile)
  if (running != null) throw new DaemonRunningError(`a daemon is already running on this repo (PID ${running})`)
  const args = [process.argv[1] ?? '', '--repo-dir', repo, 'daemon', '--pid-file', pidFile]
  if (flags.api != null) args.push('--api', flags.api)
  if (flags.gateway != null) args.push('--gateway', flags.gateway)
  const logPath = join(repo, LOG_FILE)
  const log = openSync(logPath, 'a')
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env: process.env })
  let exited: number | null | undefined
  child.once('exit', (code) => {
    exited = code
  })
  child.unref()
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      const tail = (await readFile(logPath, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n')
      throw new DaemonStartError(`the daemon exited (code ${exited}) before it was ready:\n${tail}`)
    }
    const api = await ApiClient.forRepo(repo).catch(() => undefined)
    if (api != null) {
      println(`daemon started in the background (PID ${child.pid}); API at ${api.url}, log in ${logPath}`)
      return
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  child.kill('SIGTERM')
  throw new DaemonStartError(`the daemon did not answer within ${READY_TIMEOUT_MS / 1000} s (see ${logPath})`)
}

async function stopDaemon(pidFile: string): Promise<void> {
  const pid = await livePid(pidFile)
  if (pid == null) throw new DaemonNotRunningError()
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + STOP_TIMEOUT_MS
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new DaemonStopTimeoutError(pid, STOP_TIMEOUT_MS / 1000)
    await new Promise((r) => setTimeout(r, 100))
  }
  await rm(pidFile, { force: true })
  println(`daemon stopped (PID ${pid})`)
}
