import type { Command } from 'commander'
import { type GlobalOptions, isRemote, wantsJson, withNode } from '../context.js'
import type { CliPubsub } from '../kubo-apis.js'
import { printJson, println, writeStdout } from '../output.js'
import { inputBytes } from './mfs.js'

async function withPubsub(cmd: Command, fn: (pubsub: CliPubsub, json: boolean) => Promise<void>): Promise<void> {
  const globals = cmd.optsWithGlobals<GlobalOptions>()
  const { remotePubsub } = await import('../kubo-apis.js')
  await withNode(globals, async (node) => {
    if (!isRemote(node)) throw new Error('pubsub needs a running daemon (start one with "ipfrs daemon")')
    await fn(remotePubsub(node.api), wantsJson(globals))
  })
}

/** `ipfrs pubsub …`: GossipSub topics through the running daemon (Kubo's multibase topic encoding on the wire). */
export function registerPubsub(program: Command): void {
  const pubsub = program
    .command('pubsub')
    .description('Publish and subscribe to GossipSub topics (needs a running daemon).')

  pubsub
    .command('sub')
    .description('Print the messages published to a topic until interrupted (with --json: one JSON line each).')
    .argument('<topic>')
    .action(async (topic: string, _flags: object, cmd: Command) => {
      await withPubsub(cmd, async (p, json) => {
        const stop = new AbortController()
        process.once('SIGINT', () => stop.abort())
        try {
          for await (const m of p.subscribe(topic, stop.signal)) {
            if (json) printJson({ from: m.from, data: Buffer.from(m.data).toString('base64') })
            else await writeStdout(m.data)
          }
        } catch (err) {
          if (!stop.signal.aborted) throw err
        }
      })
    })

  pubsub
    .command('pub')
    .description('Publish a message (a file, or stdin) to a topic.')
    .argument('<topic>')
    .argument('[file]', 'the message (default: stdin)')
    .action(async (topic: string, file: string | undefined, _flags: object, cmd: Command) => {
      const data = await inputBytes(file)
      await withPubsub(cmd, (p) => p.publish(topic, data))
    })

  pubsub
    .command('ls')
    .description('List the topics the daemon subscribes to.')
    .action(async (_flags: object, cmd: Command) => {
      await withPubsub(cmd, async (p, json) => {
        const topics = await p.topics()
        if (json) printJson({ Strings: topics })
        else for (const t of topics) println(t)
      })
    })

  pubsub
    .command('peers')
    .description('List the peers we exchange pubsub messages with (on one topic, if given).')
    .argument('[topic]')
    .action(async (topic: string | undefined, _flags: object, cmd: Command) => {
      await withPubsub(cmd, async (p, json) => {
        const peers = await p.peers(topic)
        if (json) printJson({ Strings: peers })
        else for (const peer of peers) println(peer)
      })
    })
}
