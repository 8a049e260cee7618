import { type CID, parseCid } from '@ipfrs/core'
import type { GcOptions, GcResult, Pin, PinType, Repo } from '@ipfrs/storage'
import type { AbortOptions } from 'abort-error'
import type { CarImportResult } from './car.js'

/** Pins: add (recursive by default), rm, ls (`node.pin`). */
export function pinApi(repo: Repo) {
  return {
    add: (cid: CID | string, options: AbortOptions & { recursive?: boolean } = {}): Promise<Pin> =>
      repo.gcLock.shared(() => repo.pins.add(parseCid(cid), options)),
    rm: (cid: CID | string, options: AbortOptions = {}): Promise<void> => repo.pins.rm(parseCid(cid), options),
    ls: (options: AbortOptions & { type?: PinType | 'all' } = {}): AsyncGenerator<Pin> => repo.pins.ls(options),
  }
}

/** Removes every block no pin reaches (see `OrphanGarbageCollector`), with the repo config's minimum age (`node.gc`). */
export function runGc(repo: Repo, options: GcOptions = {}): Promise<GcResult> {
  return repo.gc.run({ minAgeSeconds: repo.config.Datastore.GCMinAgeSeconds, ...options })
}

/** CAR export/import (`dag export`, `dag import`; `node.dag`). Import pins the CAR's roots unless `pinRoots` is false. */
export function dagApi(repo: Repo) {
  return {
    export: (cid: CID | string, options: AbortOptions = {}): AsyncGenerator<Uint8Array> =>
      (async function* () {
        const { exportCar } = await import('./car.js')
        yield* exportCar(repo.blockstore, parseCid(cid), options)
      })(),
    import: (
      source: AsyncIterable<Uint8Array>,
      options: AbortOptions & { pinRoots?: boolean } = {},
    ): Promise<CarImportResult> =>
      repo.gcLock.shared(async () => {
        const { importCar } = await import('./car.js')
        const result = await importCar(repo.blockstore, source, options)
        if (options.pinRoots !== false) for (const root of result.roots) await repo.pins.add(root, options)
        return result
      }),
  }
}
