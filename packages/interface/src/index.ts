/**
 * @ipfrs/interface: the HTTP face of an IPFRS node. A Kubo-compatible RPC API (`POST /api/v0/...`), a read-only
 * gateway (`GET /ipfs/<cid>[/path]`, trustless raw and CAR responses), `GET /health`, Prometheus metrics and the web UI (`/webui`, from `@ipfrs/webui`).
 */
export type { LocalNodeApi, NodeApi } from '@ipfrs/node-api'
export { API_FILE, GATEWAY_FILE, tcpAddress } from './api-address.js'
export { BANDWIDTH_WINDOW_MS, BandwidthHistory, type BandwidthReport, type BandwidthSample } from './bandwidth.js'
export { Daemon, type DaemonInit } from './daemon.js'
export { ApiRequestError, errorResponse } from './errors.js'
export { type GatewayOptions, gatewayHandler, parseRange } from './gateway.js'
export {
  HEALTH_CATEGORIES,
  type HealthCategory,
  type HealthReport,
  type HealthStatus,
  HealthSupervisor,
  type Subsystem,
} from './health.js'
export { ERROR_CODE_HEADER, fromIterable, sendBytes, sendJson } from './http-util.js'
export { DaemonMetrics } from './metrics.js'
export { type MultipartLimits, multipartParts } from './multipart.js'
export type { RpcCommand, RpcContext } from './rpc-context.js'
export { IPFRS_VERSION } from './rpc-network.js'
export { semanticStatsBody } from './rpc-semantic.js'
export { RPC_COMMANDS, type RpcHandlerOptions, rpcHandler } from './rpc-server.js'
export { defaultSubsystems, type FeatureHealth, featureHealth } from './subsystems.js'
export { type TarEntry, tarStream } from './tar.js'
export type { WebuiEnv } from './webui.js'
