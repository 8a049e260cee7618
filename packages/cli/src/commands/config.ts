import { getConfigKey, setConfigKey } from '@ipfrs/core/config'
import type { Command } from 'commander'
import { type GlobalOptions, wantsJson, withNode } from '../context.js'
import { printJson, println } from '../output.js'

const USAGE = `ipfrs config show | ipfrs config <key> [value] | ipfrs config get <key> | ipfrs config set <key> <value>`

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('Show or change the repo config (Kubo key names, e.g. Addresses.Swarm). With --json, values are JSON.')
    .usage('show | <key> [value] | get <key> | set <key> <value> [--json] [--bool]')
    .argument('[args...]', USAGE)
    .option('--bool', 'parse the value as true/false')
    .action(async (args: string[], flags: { bool?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const [first, ...rest] = args
      let key: string | undefined
      let value: string | undefined
      if (first === undefined || first === 'show') {
        if (rest.length > 0) throw new Error(`usage: ${USAGE}`)
      } else if (first === 'get') {
        ;[key] = rest
        if (key === undefined || rest.length !== 1) throw new Error(`usage: ipfrs config get <key>`)
      } else if (first === 'set') {
        ;[key, value] = rest
        if (key === undefined || value === undefined || rest.length !== 2)
          throw new Error('usage: ipfrs config set <key> <value>')
      } else {
        ;[key, value] = [first, rest[0]]
        if (rest.length > 1) throw new Error(`usage: ${USAGE}`)
      }
      await withNode(globals, async (node) => {
        const config = node.repo.config
        if (key === undefined) return println(JSON.stringify(config, null, 2))
        if (value === undefined) {
          const current = getConfigKey(config, key)
          if (current === undefined) throw new Error(`config key ${key} is not set`)
          if (wantsJson(globals)) return printJson({ Key: key, Value: current })
          return println(typeof current === 'string' ? current : JSON.stringify(current, null, 2))
        }
        const parsed = parseValue(value, { json: globals.json === true, bool: flags.bool === true })
        await node.repo.saveConfig(setConfigKey(config, key, parsed))
        if (wantsJson(globals)) printJson({ Key: key, Value: parsed })
      })
    })
}

function parseValue(value: string, as: { json: boolean; bool: boolean }): unknown {
  if (as.bool) {
    if (value !== 'true' && value !== 'false') throw new Error(`--bool needs true or false, got ${value}`)
    return value === 'true'
  }
  if (!as.json) return value
  try {
    return JSON.parse(value)
  } catch {
    throw new Error(`--json value is not valid JSON: ${value}`)
  }
}
