/** The daemon's gateway address (served by the daemon beside the UI), for "open in gateway" links. */
let cached: Promise<string> | undefined

/** The gateway's base URL, e.g. `http://127.0.0.1:8080`, or '' when unknown. */
export function gatewayUrl(): Promise<string> {
  cached ??= fetch('env.json')
    .then((r) => (r.ok ? (r.json() as Promise<{ Gateway?: string }>) : {}))
    .then((b: { Gateway?: string }) => b.Gateway ?? '')
    .catch(() => {
      cached = undefined
      return ''
    })
  return cached
}
