import { ApiRequestError, errorResponse } from './errors.js'

/** A gateway error as a status, its stable code and one plain-text line; the status is the class's `httpStatus`. */
export function errorResponseText(err: unknown): { status: number; code: string; text: string } {
  const message = err instanceof Error ? err.message : String(err)
  const { status, code } = errorResponse(err)
  return { status, code, text: message }
}

/** A response format the content cannot be given in (e.g. `?format=dag-json` of a raw block). */
export class NotAcceptableError extends ApiRequestError {
  static readonly code = 'ERR_NOT_ACCEPTABLE'
  static override readonly httpStatus = 406
  constructor(message: string) {
    super(NotAcceptableError.code, message)
  }
}

/** `Cache-Control: only-if-cached` for content whose root block is not in the repo. */
export class NotCachedError extends ApiRequestError {
  static readonly code = 'ERR_NOT_CACHED'
  static override readonly httpStatus = 412
  constructor(cid: string) {
    super(NotCachedError.code, `${cid} is not in this node's repo (only-if-cached)`)
  }
}

/** A `Host` of the form `<x>.ipfs.<gateway>` / `<x>.ipns.<gateway>` whose `<x>` is no CID or name. */
export class InvalidSubdomainError extends ApiRequestError {
  static readonly code = 'ERR_INVALID_SUBDOMAIN'
  static override readonly httpStatus = 400
  constructor(host: string, why: string) {
    super(InvalidSubdomainError.code, `invalid subdomain gateway host "${host.slice(0, 200)}": ${why}`)
  }
}

/** A domain with no `dnslink=` TXT record (on `_dnslink.<domain>` or the domain itself). */
export class DnslinkNotFoundError extends ApiRequestError {
  static readonly code = 'ERR_DNSLINK_NOT_FOUND'
  static override readonly httpStatus = 404
  constructor(domain: string) {
    super(DnslinkNotFoundError.code, `no DNSLink record for ${domain.slice(0, 253)}`)
  }
}

/** The DNS resolver failed (timed out, refused, answered SERVFAIL). */
export class DnsFailedError extends ApiRequestError {
  static readonly code = 'ERR_DNS_FAILED'
  static override readonly httpStatus = 502
  constructor(domain: string, cause: unknown) {
    super(
      DnsFailedError.code,
      `DNS lookup of ${domain.slice(0, 253)} failed: ${String((cause as Error)?.message ?? cause)}`,
    )
  }
}
