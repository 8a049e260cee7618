import { IpfrsError } from '@ipfrs/core'

/** A request the API refuses before running any command: bad method, origin, token, size or arguments. */
export class ApiRequestError extends IpfrsError {
  readonly status: number
  constructor(code: string, status: number, message: string) {
    super(code, message)
    this.status = status
  }
}

export const methodNotAllowed = (method: string, allowed = 'the RPC API takes POST only') =>
  new ApiRequestError('ERR_METHOD_NOT_ALLOWED', 405, `${method} is not allowed: ${allowed}`)
export const forbiddenOrigin = (origin: string) =>
  new ApiRequestError('ERR_FORBIDDEN_ORIGIN', 403, `cross-origin request from ${origin} refused`)
export const unauthorized = () =>
  new ApiRequestError('ERR_UNAUTHORIZED', 401, 'a valid "Authorization: Bearer <token>" header is required')
export const notAllowedPath = (path: string) =>
  new ApiRequestError('ERR_FORBIDDEN_PATH', 403, `this token may not call ${path}`)
export const unknownCommand = (path: string) =>
  new ApiRequestError('ERR_UNKNOWN_COMMAND', 404, `unknown command "${path.replace(/^\/api\/v0\//, '')}"`)
export const bodyTooLarge = (limit: number) =>
  new ApiRequestError('ERR_BODY_TOO_LARGE', 413, `request body is larger than ${limit} bytes`)
export const badArgument = (message: string) => new ApiRequestError('ERR_INVALID_ARGUMENT', 400, message)

/** Error codes that mean the caller sent something wrong (HTTP 400), as opposed to a failure on our side (500). */
const CLIENT_ERROR_CODES = new Set([
  'ERR_INVALID_CID',
  'ERR_INVALID_ARGUMENT',
  'ERR_INVALID_MULTIADDR',
  'ERR_INVALID_CAR',
  'ERR_UNSUPPORTED_CODEC',
  'ERR_UNSUPPORTED_HASH',
  'ERR_BLOCK_TOO_LARGE',
  'ERR_BLOCK_DECODE',
  'ERR_UNSAFE_PATH',
  'ERR_INVALID_CONFIG',
  'ERR_NOT_A_FILE',
  'ERR_IS_DIRECTORY',
  'ERR_NOT_UNIXFS',
  'ERR_PATH_NOT_FOUND',
  'ERR_NOT_PINNED',
])

/** Kubo's error body: `{ Message, Code, Type: "error" }` (Code 0 = normal error, 1 = client error) and its status. */
export function errorResponse(err: unknown): { status: number; code: string; body: Record<string, unknown> } {
  const message = err instanceof Error ? err.message : String(err)
  const code = err instanceof IpfrsError ? err.code : 'ERR_INTERNAL'
  const status = err instanceof ApiRequestError ? err.status : CLIENT_ERROR_CODES.has(code) ? 400 : 500
  return { status, code, body: { Message: message, Code: status >= 400 && status < 500 ? 1 : 0, Type: 'error' } }
}
