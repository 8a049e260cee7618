import type { Libp2p } from '@libp2p/interface'
import type { AbortOptions } from 'abort-error'

/** How long a provide or lookup waits for a first DHT peer (kad-dht's query timeout). */
const PEER_WAIT_MS = 120_000

/**
 * Resolves once the public or the LAN DHT knows a peer, so a provide or lookup made at start-up (a short-lived CLI
 * node has just dialled its bootstrap peers) is not sent to nobody; only one of the two tables may ever fill, so
 * kad-dht's own wait, per DHT, cannot be used (see libp2p-options.ts). After `PEER_WAIT_MS` it goes ahead anyway (the
 * record is then kept locally and re-announced later), as kad-dht's own wait gives up with its query. At once when
 * the node runs no DHT.
 */
export async function untilDhtHasPeer(libp2p: Pick<Libp2p, 'services'>, options: AbortOptions): Promise<void> {
  type Table = EventTarget & { size: number }
  const tables = [libp2p.services.dht, libp2p.services.lanDHT]
    .map((s) => (s as { routingTable?: Table } | undefined)?.routingTable)
    .filter((t): t is Table => t != null)
  if (tables.length === 0 || tables.some((t) => t.size > 0)) return
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(), PEER_WAIT_MS)
    const done = () => {
      clearTimeout(timer)
      for (const t of tables) t.removeEventListener('peer:add', done)
      options.signal?.removeEventListener('abort', abort)
      resolve()
    }
    const abort = () => {
      clearTimeout(timer)
      for (const t of tables) t.removeEventListener('peer:add', done)
      reject(options.signal?.reason)
    }
    if (options.signal?.aborted === true) return abort()
    for (const t of tables) t.addEventListener('peer:add', done)
    options.signal?.addEventListener('abort', abort)
  })
}
