#!/usr/bin/env node
import { CommanderError } from 'commander'
import { reportError } from './output.js'
import { buildProgram } from './program.js'

const debug = process.argv.includes('--debug') || process.argv.includes('-D')
// `ipfrs cat x | head`: the reader went away; stop quietly as other Unix tools do
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})
try {
  await buildProgram().parseAsync(process.argv)
} catch (err) {
  if (err instanceof CommanderError) {
    // commander already printed usage errors and help; keep its exit code (0 for --help and --version)
    process.exitCode = err.exitCode
  } else {
    process.exitCode = reportError(err, debug)
  }
}
// libp2p leaves timers behind after stop() that would hold the process for about a second; the command is done
process.stdout.write('', () => process.exit(process.exitCode ?? 0))
