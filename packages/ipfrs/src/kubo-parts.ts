import type { Network, Topics } from '@ipfrs/network'
import { OfflineError } from '@ipfrs/network/errors'
import type { Repo } from '@ipfrs/storage'
import { type IpfsReader, Mfs } from './mfs.js'
import { Names } from './names.js'

/**
 * The parts of a node that Kubo users reach for daily, beside content: the MFS (`files`), IPNS (`name`, with its
 * republisher while online) and pubsub topics (online only). Made when the node starts, dropped when it stops.
 */
export class KuboParts {
  readonly files: Mfs
  readonly name: Names
  readonly #topics: Topics | undefined

  private constructor(files: Mfs, name: Names, topics: Topics | undefined) {
    this.files = files
    this.name = name
    this.#topics = topics
  }

  /** Opens the parts over a started repo (and network, when online); starts republishing names when online. */
  static async open(repo: Repo, network: Network | undefined, ipfs: IpfsReader): Promise<KuboParts> {
    const names = new Names(repo, () => network)
    let topics: Topics | undefined
    if (network != null) {
      const { Topics } = await import('@ipfrs/network')
      topics = new Topics(network)
      names.startRepublisher()
    }
    return new KuboParts(new Mfs(repo, ipfs), names, topics)
  }

  /** GossipSub topics; `ERR_OFFLINE` on an offline node. */
  get pubsub(): Topics {
    if (this.#topics == null) throw new OfflineError('pubsub (the node was started offline)')
    return this.#topics
  }

  stop(): void {
    this.name.stopRepublisher()
  }
}
