import { diskFullOr, httpStatusOf, IpfrsError, isIpfrsError } from '@ipfrs/core/errors'

/**
 * A request the API refuses before running any command: bad method, origin, token, size or arguments. Each failure
 * is its own subclass with a static `code` and `httpStatus`; `status` is kept as an alias of `httpStatus`.
 */
export abstract class ApiRequestError extends IpfrsError {
  get status(): number {
    return this.httpStatus
  }
}

/** A method the endpoint does not take (the RPC API takes POST only; the gateway GET and HEAD). */
export class MethodNotAllowedError extends ApiRequestError {
  static readonly code = 'ERR_METHOD_NOT_ALLOWED'
  static override readonly httpStatus = 405
  constructor(method: string, allowed = 'the RPC API takes POST only') {
    super(MethodNotAllowedError.code, `${method} is not allowed: ${allowed}`)
  }
}

/** A cross-origin request from an origin the API does not allow. */
export class ForbiddenOriginError extends ApiRequestError {
  static readonly code = 'ERR_FORBIDDEN_ORIGIN'
  static override readonly httpStatus = 403
  constructor(origin: string) {
    super(ForbiddenOriginError.code, `cross-origin request from ${origin} refused`)
  }
}

/** A request without a valid bearer token where one is required. */
export class UnauthorizedError extends ApiRequestError {
  static readonly code = 'ERR_UNAUTHORIZED'
  static override readonly httpStatus = 401
  constructor() {
    super(UnauthorizedError.code, 'a valid "Authorization: Bearer <token>" header is required')
  }
}

/** A token that is valid but may not call this command. */
export class ForbiddenPathError extends ApiRequestError {
  static readonly code = 'ERR_FORBIDDEN_PATH'
  static override readonly httpStatus = 403
  constructor(path: string) {
    super(ForbiddenPathError.code, `this token may not call ${path}`)
  }
}

/** An RPC command that does not exist. */
export class UnknownCommandError extends ApiRequestError {
  static readonly code = 'ERR_UNKNOWN_COMMAND'
  static override readonly httpStatus = 404
  constructor(path: string) {
    super(UnknownCommandError.code, `unknown command "${path.replace(/^\/api\/v0\//, '')}"`)
  }
}

/** A gateway URL outside what the gateway serves (`/ipfs/<cid>[/path]`). */
export class GatewayNotFoundError extends ApiRequestError {
  static readonly code = 'ERR_NOT_FOUND'
  static override readonly httpStatus = 404
  constructor() {
    super(GatewayNotFoundError.code, 'only /ipfs/<cid>[/path] is served')
  }
}

/** A path under /webui that is not one of the web UI's files. */
export class WebuiNotFoundError extends ApiRequestError {
  static readonly code = 'ERR_WEBUI_NOT_FOUND'
  static override readonly httpStatus = 404
  constructor(path: string) {
    super(WebuiNotFoundError.code, `the web UI has no file ${path}`)
  }
}

/** A request body larger than the API accepts. */
export class BodyTooLargeError extends ApiRequestError {
  static readonly code = 'ERR_BODY_TOO_LARGE'
  static override readonly httpStatus = 413
  constructor(limit: number) {
    super(BodyTooLargeError.code, `request body is larger than ${limit} bytes`)
  }
}

/** A missing, malformed or out-of-range request argument (query parameter or body part). */
export class InvalidArgumentError extends ApiRequestError {
  static readonly code = 'ERR_INVALID_ARGUMENT'
  static override readonly httpStatus = 400
  constructor(message: string) {
    super(InvalidArgumentError.code, message)
  }
}

export const methodNotAllowed = (method: string, allowed?: string) => new MethodNotAllowedError(method, allowed)
export const forbiddenOrigin = (origin: string) => new ForbiddenOriginError(origin)
export const unauthorized = () => new UnauthorizedError()
export const notAllowedPath = (path: string) => new ForbiddenPathError(path)
export const unknownCommand = (path: string) => new UnknownCommandError(path)
export const bodyTooLarge = (limit: number) => new BodyTooLargeError(limit)
export const badArgument = (message: string) => new InvalidArgumentError(message)

/**
 * Kubo's error body: `{ Message, Code, Type: "error" }` (Code 0 = normal error, 1 = client error) and its status.
 * The status is the error class's own `httpStatus` (500 for anything that is not one of our errors).
 */
export function errorResponse(err: unknown): { status: number; code: string; body: Record<string, unknown> } {
  // a full disk is a typed 507 even when a store below did not translate it
  const e = diskFullOr(err, 'handling the request')
  const message = e instanceof Error ? e.message : String(e)
  const code = isIpfrsError(e) ? e.code : 'ERR_INTERNAL'
  const status = httpStatusOf(e)
  return { status, code, body: { Message: message, Code: status >= 400 && status < 500 ? 1 : 0, Type: 'error' } }
}
