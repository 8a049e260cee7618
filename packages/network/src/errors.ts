import { IpfrsError } from '@ipfrs/core/errors'

/** No peer connected to ask (`ERR_OFFLINE`): defined once in @ipfrs/core, which the CLI loads without libp2p. */
export { OfflineError } from '@ipfrs/core'

/** A network fetch that did not complete in time. */
export class FetchTimeoutError extends IpfrsError {
  static override readonly httpStatus = 504
  static readonly code = 'ERR_FETCH_TIMEOUT'
  constructor(what: string, seconds: number, options?: { cause?: unknown }) {
    super(FetchTimeoutError.code, `could not fetch ${what} from the network within ${seconds} s`, options)
  }
}

/** A multiaddr or peer ID that does not parse. */
export class InvalidAddressError extends IpfrsError {
  static override readonly httpStatus = 400
  static readonly code = 'ERR_INVALID_MULTIADDR'
  constructor(input: string, options?: { cause?: unknown; reason?: string; what?: string }) {
    const what = options?.what ?? 'multiaddr or peer ID'
    super(
      InvalidAddressError.code,
      `invalid ${what} "${input}"${options?.reason ? `: ${options.reason}` : ''}`,
      options,
    )
  }
}

/** A peer that cannot be found or reached. */
export class PeerNotFoundError extends IpfrsError {
  static override readonly httpStatus = 404
  static readonly code = 'ERR_PEER_NOT_FOUND'
  constructor(peer: string, options?: { cause?: unknown }) {
    super(PeerNotFoundError.code, `peer ${peer} not found`, options)
  }
}

/** An operation that needs the DHT on a node configured with `Routing.Type: none`. */
export class RoutingDisabledError extends IpfrsError {
  static override readonly httpStatus = 409
  static readonly code = 'ERR_ROUTING_DISABLED'
  constructor() {
    super(RoutingDisabledError.code, 'the DHT is disabled (Routing.Type is "none")')
  }
}

/** Helia's Bitswap no longer exposes the want list that bad-peer scoring listens on (a Helia upgrade moved it). */
export class BitswapHookError extends IpfrsError {
  static readonly code = 'ERR_BITSWAP_HOOK'
  constructor() {
    super(
      BitswapHookError.code,
      "cannot find Helia's Bitswap want list: bad-peer banning would not work (was @helia/bitswap upgraded?)",
    )
  }
}
