import type { Command } from 'commander'
import { type GlobalOptions, wantsJson, withNode } from '../context.js'
import { printJson, println } from '../output.js'

interface GcFlags {
  dryRun?: boolean
  minAge?: string
  quiet?: boolean
}

function addGc(parent: Command, name: string): void {
  parent
    .command(name)
    .description('Remove every block that no pin reaches.')
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('--min-age <seconds>', 'spare blocks written less than this many seconds ago')
    .option('-q, --quiet', 'print only a summary')
    .action(async (flags: GcFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { formatCid } = await import('@ipfrs/core/cid')
      const minAge = flags.minAge === undefined ? undefined : Number(flags.minAge)
      if (minAge !== undefined && !(Number.isFinite(minAge) && minAge >= 0)) {
        throw new Error(`--min-age must be a number of seconds, got ${flags.minAge}`)
      }
      await withNode(globals, async (node) => {
        const result = await node.gc({
          dryRun: flags.dryRun,
          ...(minAge === undefined ? {} : { minAgeSeconds: minAge }),
        })
        const verb = result.dryRun ? 'would remove' : 'removed'
        if (wantsJson(globals)) {
          for (const cid of result.removed) printJson({ Key: formatCid(cid) })
          printJson({
            DryRun: result.dryRun,
            Removed: result.removed.length,
            Pinned: result.pinned,
            TooYoung: result.tooYoung,
          })
          return
        }
        if (!flags.quiet) for (const cid of result.removed) println(`${verb} ${formatCid(cid)}`)
        println(
          `${verb} ${result.removed.length} blocks; kept ${result.pinned} pinned and ${result.tooYoung} younger than --min-age`,
        )
      })
    })
}

export function registerRepo(program: Command): void {
  addGc(program, 'gc')
  const repo = program.command('repo').description('Inspect and maintain the repo.')
  addGc(repo, 'gc')

  repo
    .command('stat')
    .description('Number of blocks, size on disk, configured maximum, path and version.')
    .option('-H, --human', 'sizes in MiB')
    .action(async (flags: { human?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      await withNode(globals, async (node) => {
        const s = await node.repoStat()
        if (wantsJson(globals)) return printJson(s)
        const size = (n: number) => (flags.human ? `${(n / 2 ** 20).toFixed(1)} MiB` : String(n))
        println(`NumObjects: ${s.NumObjects}\nRepoSize:   ${size(s.RepoSize)}\nStorageMax: ${size(s.StorageMax)}`)
        println(`RepoPath:   ${s.RepoPath}\nVersion:    ${s.Version}`)
      })
    })

  repo
    .command('verify')
    .description('Re-hash every block and report the corrupt ones (exit 1 if any).')
    .action(async (_flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { formatCid } = await import('@ipfrs/core/cid')
      await withNode(globals, async (node) => {
        const result = await node.repoVerify()
        if (wantsJson(globals)) {
          printJson({
            Checked: result.checked,
            Problems: result.problems.map((p) => ({ Key: formatCid(p.cid), Code: p.code, Message: p.message })),
          })
        } else {
          for (const p of result.problems) println(`corrupt ${formatCid(p.cid)}: ${p.message} (${p.code})`)
          println(
            result.problems.length === 0
              ? `verified ${result.checked} blocks: all ok`
              : `${result.problems.length} of ${result.checked} blocks are corrupt`,
          )
        }
        if (result.problems.length > 0) process.exitCode = 1
      })
    })
}
