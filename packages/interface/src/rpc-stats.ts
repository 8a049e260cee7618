/** `stats/bw`: Kubo's `{TotalIn, TotalOut, RateIn, RateOut}`; with `history=true` also the last 10 minutes' rates. */
import { unknownCommand } from './errors.js'
import { sendJson } from './http-util.js'
import type { RpcCommand } from './rpc-context.js'

const statsBw: RpcCommand = async ({ params, bandwidth, res }) => {
  if (bandwidth == null) throw unknownCommand('stats/bw') // an API served without a metrics registry
  const r = await bandwidth.report()
  sendJson(res, {
    TotalIn: r.totalIn,
    TotalOut: r.totalOut,
    RateIn: r.rateIn,
    RateOut: r.rateOut,
    ...(params.bool('history', false)
      ? { History: r.history.map((s) => ({ Time: s.time, RateIn: s.rateIn, RateOut: s.rateOut })) }
      : {}),
  })
}

export const STATS_COMMANDS: Record<string, RpcCommand> = { 'stats/bw': statsBw }
