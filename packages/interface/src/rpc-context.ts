import type { IncomingMessage, ServerResponse } from 'node:http'
import type { LocalNodeApi } from '@ipfrs/node-api'
import type { BandwidthHistory } from './bandwidth.js'
import type { Params } from './params.js'

/** What one RPC command gets to work with. */
export interface RpcContext {
  readonly node: LocalNodeApi
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly params: Params
  /** Aborts when the client disconnects. */
  readonly signal: AbortSignal
  /** Largest non-streaming request body, in bytes. */
  readonly maxBodyBytes: number
  /** Counts a DHT query made on a client's behalf (for /metrics). */
  readonly countDhtQuery: (kind: string) => void
  /** The daemon's bandwidth history (absent when the API has no metrics registry). */
  readonly bandwidth: BandwidthHistory | undefined
}

/** One `/api/v0/<name>` command. */
export type RpcCommand = (ctx: RpcContext) => Promise<void>

/** A queue that turns pushes from callbacks into an async iterable, for commands that stream progress. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = []
  #done = false
  #failure: unknown
  #wake: (() => void) | undefined

  push(item: T): void {
    this.#items.push(item)
    this.#notify()
  }

  end(failure?: unknown): void {
    this.#done = true
    this.#failure = failure
    this.#notify()
  }

  #notify(): void {
    this.#wake?.()
    this.#wake = undefined
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      const item = this.#items.shift()
      if (item !== undefined) {
        yield item
        continue
      }
      if (this.#done) {
        if (this.#failure !== undefined) throw this.#failure
        return
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve
      })
    }
  }
}
