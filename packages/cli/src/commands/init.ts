import { COMPRESSION_ALGORITHMS, ENCRYPTION_ALGORITHMS, localConfig } from '@ipfrs/core/config'
import { type Command, Option } from 'commander'
import { type GlobalOptions, passphrase, repoPath, wantsJson } from '../context.js'
import { printJson, println } from '../output.js'

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('Create a repo: config, an Ed25519 identity, block and datastore folders ($IPFRS_PATH or ~/.ipfrs).')
    .addOption(new Option('--compression <algorithm>', 'compress blocks at rest').choices([...COMPRESSION_ALGORITHMS]))
    .option('--encrypt', 'encrypt blocks at rest with a key derived from $IPFRS_PASSPHRASE')
    .addOption(
      new Option('--encryption-algorithm <name>', 'the cipher for --encrypt').choices([...ENCRYPTION_ALGORITHMS]),
    )
    .option('--cid-version <n>', 'default CID version for adds (0 as Kubo, or 1)')
    .addOption(
      new Option(
        '--profile <name>',
        'test: no bootstrap peers, listen on 127.0.0.1 only (for tests and local clusters); lowpower: for small ' +
          'devices (Daemon.LowPower, DHT client only, 20-40 connections, health checks every 30 s)',
      ).choices(['test', 'lowpower']),
    )
    .action(
      async (
        opts: {
          compression?: string
          encrypt?: boolean
          encryptionAlgorithm?: string
          cidVersion?: string
          profile?: string
        },
        cmd: Command,
      ) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>()
        const path = repoPath(globals)
        const { DEFAULT_BOOTSTRAP } = await import('@ipfrs/network/bootstrap-list')
        const config: Record<string, unknown> = { Bootstrap: [...DEFAULT_BOOTSTRAP] }
        if (opts.profile === 'test') Object.assign(config, localConfig())
        if (opts.profile === 'lowpower') {
          config.Daemon = { LowPower: true }
          config.Routing = { Type: 'dhtclient' }
          config.Swarm = { ConnMgr: { LowWater: 20, HighWater: 40, GracePeriodSeconds: 60 } }
        }
        if (opts.compression) config.Compression = { Algorithm: opts.compression }
        if (opts.encrypt)
          config.Encryption = {
            Enabled: true,
            ...(opts.encryptionAlgorithm ? { Algorithm: opts.encryptionAlgorithm } : {}),
          }
        if (opts.cidVersion !== undefined) config.Import = { CidVersion: Number(opts.cidVersion) }
        const { Repo } = await import('@ipfrs/storage')
        const written = await Repo.init(path, { config, passphrase: passphrase() })
        if (wantsJson(globals)) {
          printJson({ PeerID: written.Identity.PeerID, RepoPath: path })
        } else {
          println(`initialized IPFRS repo at ${path}`)
          println(`peer identity: ${written.Identity.PeerID}`)
        }
      },
    )
}
