/**
 * `@ipfrs/interface/client`: what a client of a running daemon needs (where the daemon's address is, how its errors
 * travel), without the server, the gateway or the metrics. The `ipfrs` CLI loads only this when a daemon runs.
 */
export { API_FILE, GATEWAY_FILE, tcpAddress } from './api-address.js'
export { ERROR_CODE_HEADER, fromIterable } from './http-util.js'
