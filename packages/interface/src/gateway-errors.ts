import { errorResponse } from './errors.js'

/** A gateway error as a status and one plain-text line; the status is the error class's own `httpStatus`. */
export function errorResponseText(err: unknown): { status: number; text: string } {
  const message = err instanceof Error ? err.message : String(err)
  return { status: errorResponse(err).status, text: message }
}
