import { readFile, writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { type GlobalOptions, wantsJson, withNode } from '../context.js'
import type { KuboApis } from '../kubo-apis.js'
import { printJson, println } from '../output.js'

async function withApis<T>(cmd: Command, fn: (apis: KuboApis, json: boolean) => Promise<T>): Promise<T> {
  const globals = cmd.optsWithGlobals<GlobalOptions>()
  const { kuboApis } = await import('../kubo-apis.js')
  return withNode(globals, (node) => fn(kuboApis(node), wantsJson(globals)))
}

/** A duration such as `24h`, `30m`, `90s`, `500ms`, in milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value)
  if (m == null) throw new Error(`${flag} needs a duration such as 24h, 30m or 90s, got ${value}`)
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']
}

/** `ipfrs key …` (Ed25519 keys in the repo's keystore, mode 0600) and `ipfrs name …` (IPNS). */
export function registerKeys(program: Command): void {
  const key = program.command('key').description('Create and manage keys (Ed25519) that sign IPNS records.')

  key
    .command('gen')
    .description('Create a new key; prints its IPNS name.')
    .argument('<name>', 'letters, digits, ".", "_" or "-" (not "self")')
    .option('-t, --type <type>', 'the key type (only ed25519)', 'ed25519')
    .action(async (name: string, flags: { type: string }, cmd: Command) => {
      if (flags.type.toLowerCase() !== 'ed25519') throw new Error(`key type ${flags.type} is not supported (ed25519)`)
      await withApis(cmd, async ({ keys }, json) => {
        const k = await keys.gen(name)
        if (json) printJson({ Name: k.name, Id: k.id })
        else println(k.id)
      })
    })

  key
    .command('list')
    .description('List keys, "self" (the node\'s identity) first.')
    .option('-l', 'show the IPNS name of each key too')
    .action(async (flags: { l?: boolean }, cmd: Command) => {
      await withApis(cmd, async ({ keys }, json) => {
        const list = await keys.list()
        if (json) return printJson({ Keys: list.map((k) => ({ Name: k.name, Id: k.id })) })
        for (const k of list) println(flags.l === true ? `${k.id} ${k.name}` : k.name)
      })
    })

  key
    .command('rm')
    .description('Remove keys.')
    .argument('<names...>')
    .action(async (names: string[], _flags: object, cmd: Command) => {
      await withApis(cmd, async ({ keys }, json) => {
        const removed = []
        for (const name of names) removed.push(await keys.rm(name))
        if (json) printJson({ Keys: removed.map((k) => ({ Name: k.name, Id: k.id })) })
        else for (const k of removed) println(`${k.id} ${k.name}`)
      })
    })

  key
    .command('rename')
    .description('Rename a key.')
    .argument('<old>')
    .argument('<new>')
    .option('-f, --force', 'replace a key that has the new name')
    .action(async (from: string, to: string, flags: { force?: boolean }, cmd: Command) => {
      await withApis(cmd, async ({ keys }, json) => {
        const k = await keys.rename(from, to, flags.force === true)
        if (json) printJson({ Was: from, Now: k.name, Id: k.id, Overwrite: k.overwrite })
        else println(`Key ${k.id} renamed to ${k.name}`)
      })
    })

  key
    .command('export')
    .description('Write a private key to a file (mode 0600, never overwritten). Keep it secret.')
    .argument('<name>')
    .option('-o, --output <file>', 'where to write (default: <name>.key, or <name>.pem for PEM)')
    .option(
      '-f, --format <format>',
      "libp2p-protobuf-cleartext (Kubo's default) or pem-pkcs8-cleartext (Ed25519 PKCS#8 PEM, for OpenSSL and Node)",
      'libp2p-protobuf-cleartext',
    )
    .action(async (name: string, flags: { output?: string; format: string }, cmd: Command) => {
      const { keyFormat, libp2pKeyToPem } = await import('@ipfrs/core/key-formats')
      const format = keyFormat(flags.format)
      const pem = format === 'pem-pkcs8-cleartext'
      await withApis(cmd, async ({ keys }) => {
        const out = flags.output ?? `${name}.${pem ? 'pem' : 'key'}`
        const bytes = await keys.export(name)
        await writeFile(out, pem ? libp2pKeyToPem(bytes) : bytes, { mode: 0o600, flag: 'wx' })
      })
    })

  key
    .command('import')
    .description('Import a private key file: libp2p protobuf (as key export writes it) or an Ed25519 PKCS#8 PEM.')
    .argument('<name>')
    .argument('<file>')
    .option('-f, --force', 'replace a key that has this name')
    .option(
      '--format <format>',
      "libp2p-protobuf-cleartext (Kubo's default) or pem-pkcs8-cleartext (e.g. from openssl genpkey -algorithm ed25519)",
      'libp2p-protobuf-cleartext',
    )
    .action(async (name: string, file: string, flags: { force?: boolean; format: string }, cmd: Command) => {
      const { keyFormat, pemToLibp2pKey } = await import('@ipfrs/core/key-formats')
      const format = keyFormat(flags.format)
      const bytes = format === 'pem-pkcs8-cleartext' ? pemToLibp2pKey(await readFile(file)) : await readFile(file)
      await withApis(cmd, async ({ keys }, json) => {
        const k = await keys.import(name, bytes, flags.force === true)
        if (json) printJson({ Name: k.name, Id: k.id })
        else println(k.id)
      })
    })

  const name = program.command('name').description('Publish and resolve IPNS names (signed records in the DHT).')

  name
    .command('publish')
    .description('Publish an IPNS record pointing at a path; republished every 4 h while a daemon runs.')
    .argument('<path>', '/ipfs/<cid>[/path], a CID, or /ipns/<name>')
    .option('-k, --key <name>', 'the key to sign with', 'self')
    .option('--lifetime <duration>', 'how long the record is valid', '48h')
    .option('--ttl <duration>', 'how long resolvers may cache it', '1h')
    .option('--allow-offline', 'publish to the local store only when there are no peers (or no daemon)')
    .action(async (path: string, flags: Record<string, string | boolean>, cmd: Command) => {
      const lifetimeMs = parseDuration(String(flags.lifetime), '--lifetime')
      const ttlMs = parseDuration(String(flags.ttl), '--ttl')
      await withApis(cmd, async (apis, json) => {
        const r = await apis.name.publish(path, {
          key: String(flags.key),
          lifetimeMs,
          ttlMs,
          allowOffline: flags.allowOffline === true,
        })
        if (json) printJson({ Name: r.name, Value: r.value })
        else println(`Published to ${r.name}: ${r.value}`)
      })
    })

  name
    .command('resolve')
    .description("Print the path an IPNS name points at (default: this node's own name).")
    .argument('[name]', '/ipns/<name> or <name> (a k51… key or peer ID)')
    .option('--no-recursive', 'stop after one record even if it points at another /ipns/ name')
    .action(async (n: string | undefined, flags: { recursive: boolean }, cmd: Command) => {
      await withApis(cmd, async (apis, json) => {
        const target = n ?? (await apis.keys.list())[0]?.id ?? ''
        const path = await apis.name.resolve(target, { recursive: flags.recursive })
        if (json) printJson({ Path: path })
        else println(path)
      })
    })
}
