/**
 * `logic/*`: the node's knowledge base over RPC, and `logic/hybrid` (logic answers ranked by a semantic search). Every
 * command hands the request's signal to the work, so a client that disconnects stops its query.
 */

import { InvalidParameterError } from '@ipfrs/core'
import type { LogicQueryOptions } from '@ipfrs/node-api'
import { sendJson } from './http-util.js'
import { multipartParts } from './multipart.js'
import type { Params } from './params.js'
import type { RpcCommand, RpcContext } from './rpc-context.js'

/** `limit` and `timeout-ms`, and the request's signal. */
function queryOptions(params: Params, signal: AbortSignal): LogicQueryOptions {
  const limit = params.int('limit')
  const timeoutMs = params.int('timeout-ms')
  return { signal, ...(limit != null ? { limit } : {}), ...(timeoutMs != null ? { timeoutMs } : {}) }
}

/** The text of the request's single multipart part (at most `maxBodyBytes`). */
async function bodyText({ req, maxBodyBytes }: RpcContext): Promise<string> {
  for await (const part of multipartParts(req, { maxParts: 1 })) {
    if (part.content == null) continue
    const chunks: Uint8Array[] = []
    let size = 0
    for await (const c of part.content) {
      size += c.byteLength
      if (size > maxBodyBytes) throw new InvalidParameterError('program', `larger than ${maxBodyBytes} bytes`)
      chunks.push(c)
    }
    return Buffer.concat(chunks).toString('utf8')
  }
  throw new InvalidParameterError('program', 'no program text in the request')
}

export const LOGIC_COMMANDS: Record<string, RpcCommand> = {
  'logic/load': async (ctx) =>
    sendJson(ctx.res, await ctx.node.logic.load(await bodyText(ctx), { signal: ctx.signal })),
  'logic/query': async ({ params, node, res, signal }) => {
    const goal = params.arg('goal')
    const options = queryOptions(params, signal)
    const answers = params.bool('network', false)
      ? await node.logic.distributedQuery(goal, options)
      : await node.logic.query(goal, options)
    sendJson(res, { Answers: answers })
  },
  'logic/prove': async ({ params, node, res, signal }) =>
    sendJson(res, { Proof: await node.logic.prove(params.arg('goal'), queryOptions(params, signal)) }),
  'logic/add-fact': async ({ params, node, res, signal }) =>
    sendJson(res, { Cid: await node.logic.addFact(params.arg('fact'), { signal }) }),
  'logic/add-rule': async ({ params, node, res, signal }) =>
    sendJson(res, { Cid: await node.logic.addRule(params.arg('rule'), { signal }) }),
  'logic/stats': async ({ node, res }) => sendJson(res, node.logic.stats()),
  'logic/publish': async (ctx) =>
    sendJson(ctx.res, { Cids: await ctx.node.logic.publish(await bodyText(ctx), { signal: ctx.signal }) }),
  'logic/fetch': async ({ params, node, res, signal }) =>
    sendJson(res, { Clauses: await node.logic.fetch(params.args(), { signal }) }),
  'logic/hybrid': async ({ params, node, res, signal }) => {
    const semantic = params.string('semantic')
    const topK = params.int('top-k')
    sendJson(
      res,
      await node.hybridQuery(params.arg('goal'), {
        ...queryOptions(params, signal),
        ...(semantic != null ? { semantic } : {}),
        ...(topK != null ? { topK } : {}),
      }),
    )
  },
}
