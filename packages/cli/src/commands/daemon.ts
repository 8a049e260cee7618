import { spawn } from 'node:child_process'
import { openSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Daemon } from '@ipfrs/interface'
import type { Command } from 'commander'
import { type GlobalOptions, joinNetwork, parseSeconds, passphrase, repoPath } from '../context.js'
import { DaemonNotRunningError, DaemonRunningError, DaemonStartError, DaemonStopTimeoutError } from '../errors.js'
import { println } from '../output.js'

const PID_FILE = 'daemon.pid'
const LOG_FILE = 'daemon.log'
const READY_TIMEOUT_MS = 60_000
/** `daemon stop` waits this long for a graceful stop before it kills the daemon. */
const STOP_TIMEOUT_S = 30
/** The daemon's own limit on a graceful stop; past it (or on a second signal) it exits at once. */
const GRACEFUL_STOP_MS = 20_000

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
    .description(
      'Stop the daemon running on this repo: SIGTERM, then SIGKILL if it has not stopped within the timeout.',
    )
    .option('--pid-file <path>', 'the PID file the daemon wrote (default <repo>/daemon.pid)')
    .option('--timeout <seconds>', 'how long to wait for a graceful stop before killing it', String(STOP_TIMEOUT_S))
    .action(async (flags: { pidFile?: string; timeout: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const timeout = parseSeconds(flags.timeout)
      await stopDaemon(
        repoPath(globals),
        pidFileOf(globals, flags.pidFile ?? cmd.parent?.opts<DaemonFlags>().pidFile),
        timeout * 1000,
      )
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
  let signals = 0
  let forceStop: ((signal: string) => void) | undefined
  const stopSignal = new Promise<string>((resolve) => {
    const onSignal = (signal: string) => {
      signals++
      if (signals === 1) resolve(signal)
      else forceStop?.(signal) // a second signal: stop now
    }
    process.on('SIGINT', () => onSignal('SIGINT'))
    process.on('SIGTERM', () => onSignal('SIGTERM'))
  })
  keepRunningOnStrayErrors()
  const [{ Daemon, DaemonMetrics }, { createNode }] = await Promise.all([
    import('@ipfrs/interface'),
    import('ipfrs/node'),
  ])
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
      // the RPC `shutdown` (kubo-rpc-client's stop()): the same graceful stop as SIGTERM
      onShutdown: () => process.kill(process.pid, 'SIGTERM'),
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
  // graceful first; if that hangs (or a second signal comes), exit anyway: the exit hook releases the repo lock and
  // the OS the datastore's, so the next ipfrs command or daemon opens the repo
  const forced = new Promise<never>((_, reject) => {
    forceStop = (why) => reject(new Error(`received ${why} again`))
    setTimeout(
      () => reject(new Error(`the graceful stop took longer than ${GRACEFUL_STOP_MS / 1000} s`)),
      GRACEFUL_STOP_MS,
    ).unref()
  })
  try {
    await Promise.race([
      (async () => {
        await daemon.stop()
        await node.stop()
      })(),
      forced,
    ])
  } catch (err) {
    process.stderr.write(`forcing the stop: ${(err as Error).message}\n`)
    await removeRunFiles(repo, pidFile)
    process.exit(1)
  }
  await rm(pidFile, { force: true })
  println('Daemon stopped')
}

/** What a running daemon leaves in the repo: its PID file and the api/gateway address files. */
async function removeRunFiles(repo: string, pidFile: string): Promise<void> {
  for (const file of [pidFile, join(repo, 'api'), join(repo, 'gateway')]) await rm(file, { force: true })
}

/**
 * The daemon's last resort: an error that escapes every request path (a rejected promise nobody awaits, e.g. in the
 * UnixFS exporter when a block fetch fails below the first level of a file) is logged, with its code and stack, and
 * the daemon keeps serving. Node's default would end the process and every request with it.
 */
function keepRunningOnStrayErrors(): void {
  const log = (kind: string) => (err: unknown) => {
    const code = typeof (err as { code?: unknown })?.code === 'string' ? ` ${(err as { code: string }).code}` : ''
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err)
    process.stderr.write(`${new Date().toISOString()} ${kind}${code} (the daemon keeps running): ${detail}\n`)
  }
  process.on('unhandledRejection', log('unhandled rejection'))
  process.on('uncaughtException', log('uncaught exception'))
}

/**
 * V8 flags of a background daemon. V8 grows the young generation to 2 × 32 MiB during start-up (loading libp2p,
 * Helia and the rest allocates a lot at once) and keeps it while idle, which was a third of an idle daemon's RSS;
 * 8 MiB semi-spaces keep it at 16 MiB. Blocks live outside the JS heap (Buffers), so transfers barely notice.
 */
const DAEMON_NODE_FLAGS = ['--max-semi-space-size=8']

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
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: process.env,
  })
  let exited: number | null | undefined
  child.once('exit', (code) => {
    exited = code
  })
  child.unref()
  const { ApiClient } = await import('../api-client.js')
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

async function stopDaemon(repo: string, pidFile: string, timeoutMs: number): Promise<void> {
  const pid = await livePid(pidFile)
  if (pid == null) throw new DaemonNotRunningError()
  process.kill(pid, 'SIGTERM')
  if (await exited(pid, timeoutMs)) {
    await rm(pidFile, { force: true })
    println(`daemon stopped (PID ${pid})`)
    return
  }
  // it did not stop (wedged, or stopped with SIGSTOP): kill it; its repo lock is then stale and the next opener
  // takes it over
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // exited just now
  }
  if (!(await exited(pid, 10_000))) throw new DaemonStopTimeoutError(pid, timeoutMs / 1000 + 10) // not even SIGKILL ended it (a process in D state)
  await removeRunFiles(repo, pidFile)
  println(`daemon killed (PID ${pid}): it did not stop within ${timeoutMs / 1000} s`)
}

/** Waits up to `ms` for process `pid` to exit; true once it has. */
async function exited(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 100))
  }
  return true
}
