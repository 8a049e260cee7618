import { IpfrsError } from '@ipfrs/core'
import { errorResponse } from './errors.js'

/** Codes that mean "that content or path is not here" on a gateway (404), rather than a broken request or node. */
const NOT_FOUND = new Set(['ERR_BLOCK_NOT_FOUND', 'ERR_PATH_NOT_FOUND', 'ERR_NOT_FOUND'])
/** The content is not here and could not be fetched in time, or no peer was there to ask: 504, as gateways answer. */
const TIMEOUT = new Set(['ERR_FETCH_TIMEOUT', 'ERR_OFFLINE'])

/** A gateway error as a status and one plain-text line. */
export function errorResponseText(err: unknown): { status: number; text: string } {
  const code = err instanceof IpfrsError ? err.code : ''
  const message = err instanceof Error ? err.message : String(err)
  if (NOT_FOUND.has(code)) return { status: 404, text: message }
  if (TIMEOUT.has(code)) return { status: 504, text: message }
  return { status: errorResponse(err).status, text: message }
}
