import { diskFullOr } from '@ipfrs/core'
import type { AbortOptions } from 'abort-error'
import { LevelDatastore } from 'datastore-level'
import type { Batch, Key } from 'interface-datastore'

/**
 * The repo's datastore (LevelDB): a full disk on any write (a put, a batch: pins, peer records, DHT records) is a typed
 * `DiskFullError` (`ERR_DISK_FULL`, 507) instead of datastore-level's untyped `PutFailedError`.
 */
export class RepoDatastore extends LevelDatastore {
  override async put(key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    try {
      return await super.put(key, value, options)
    } catch (err) {
      throw diskFullOr(err, `writing ${key} to the datastore`)
    }
  }

  override batch(): Batch {
    const batch = super.batch()
    const commit = batch.commit.bind(batch)
    batch.commit = async (options?: AbortOptions) => {
      try {
        await commit(options)
      } catch (err) {
        throw diskFullOr(err, 'writing a batch to the datastore')
      }
    }
    return batch
  }
}
