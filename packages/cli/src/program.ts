import { Command } from 'commander'
import { registerAdd } from './commands/add.js'
import { registerBlock } from './commands/block.js'
import { registerBootstrap } from './commands/bootstrap.js'
import { registerConfig } from './commands/config.js'
import { registerDaemon } from './commands/daemon.js'
import { registerDag } from './commands/dag.js'
import { registerFiles } from './commands/files.js'
import { registerInit } from './commands/init.js'
import { registerKeys } from './commands/keys.js'
import { registerLogic } from './commands/logic.js'
import { registerMfs } from './commands/mfs.js'
import { registerMisc, VERSION } from './commands/misc.js'
import { registerPin } from './commands/pin.js'
import { registerPubsub } from './commands/pubsub.js'
import { registerQuery } from './commands/query.js'
import { registerRepo } from './commands/repo.js'
import { registerRouting } from './commands/routing.js'
import { registerSemantic } from './commands/semantic.js'
import { registerShutdown } from './commands/shutdown.js'
import { registerSwarm } from './commands/swarm.js'
import { registerTensor } from './commands/tensor.js'

/** The `ipfrs` command tree, shaped like Kubo's `ipfs`. */
export function buildProgram(): Command {
  const program = new Command('ipfrs')
    .description('IPFRS: an IPFS node with semantics built in.')
    .version(VERSION, '-v, --version-flag', 'print the version')
    .option('--json', 'print results as JSON (same as --enc=json)')
    .option('--enc <encoding>', 'output encoding: text or json')
    .option('--repo-dir <path>', 'the repo (default $IPFRS_PATH, else ~/.ipfrs)')
    .option('-D, --debug', 'print stack traces and error codes')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  registerInit(program)
  registerDaemon(program)
  registerAdd(program)
  registerFiles(program)
  registerMfs(program)
  registerBlock(program)
  registerPin(program)
  registerRepo(program)
  registerDag(program)
  registerConfig(program)
  registerBootstrap(program)
  registerSwarm(program)
  registerTensor(program)
  registerRouting(program)
  registerKeys(program)
  registerPubsub(program)
  registerShutdown(program)
  registerSemantic(program)
  registerLogic(program)
  registerQuery(program)
  registerMisc(program)
  return program
}
