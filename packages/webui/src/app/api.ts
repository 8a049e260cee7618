/** Calls to the daemon's RPC API (same origin), with the bearer token when one is set. */

const TOKEN_KEY = 'ipfrs-webui-token'

/** The API answered with an error (Kubo's `{Message, Code}` body). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** The daemon could not be reached at all (stopped, or the network is down). */
export class UnreachableError extends Error {
  constructor(cause: unknown) {
    super('The IPFRS daemon is unreachable', { cause })
    this.name = 'UnreachableError'
  }
}

export function getToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? ''
}

export function setToken(token: string): void {
  if (token === '') sessionStorage.removeItem(TOKEN_KEY)
  else sessionStorage.setItem(TOKEN_KEY, token)
}

/** Headers for an API call: the bearer token when set. */
export function authHeaders(): Record<string, string> {
  const token = getToken()
  return token === '' ? {} : { Authorization: `Bearer ${token}` }
}

type Args = Record<string, string | number | boolean | string[] | undefined>

/** `/api/v0/<command>?…` with repeated `arg` for arrays. */
export function apiUrl(command: string, args: Args = {}): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(args)) {
    if (v === undefined) continue
    for (const one of Array.isArray(v) ? v : [v]) q.append(k, String(one))
  }
  const s = q.toString()
  return `/api/v0/${command}${s === '' ? '' : `?${s}`}`
}

/** Listeners told whether the last call reached the daemon (for the "unreachable" banner). */
const reachability = new Set<(reachable: boolean) => void>()

export function onReachability(fn: (reachable: boolean) => void): () => void {
  reachability.add(fn)
  return () => reachability.delete(fn)
}

function report(reachable: boolean): void {
  for (const fn of reachability) fn(reachable)
}

/** POSTs a command and returns the raw response; throws ApiError on an error status, UnreachableError on no answer. */
export async function call(command: string, args: Args = {}, body?: BodyInit): Promise<Response> {
  let res: Response
  try {
    res = await fetch(apiUrl(command, args), { method: 'POST', headers: authHeaders(), body: body ?? null })
  } catch (err) {
    report(false)
    throw new UnreachableError(err)
  }
  report(true)
  if (!res.ok) throw await errorOf(res)
  return res
}

/** A command's JSON answer. */
export async function json<T>(command: string, args: Args = {}, body?: BodyInit): Promise<T> {
  return (await (await call(command, args, body)).json()) as T
}

/** A command's newline-delimited JSON answer, as an array. */
export async function ndjson<T>(command: string, args: Args = {}): Promise<T[]> {
  const text = await (await call(command, args)).text()
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T)
}

/** GET /health: its body is the report whatever the status (503 means unhealthy, not failed). */
export async function health(): Promise<HealthBody> {
  let res: Response
  try {
    res = await fetch('/health')
  } catch (err) {
    report(false)
    throw new UnreachableError(err)
  }
  report(true)
  if (res.status !== 200 && res.status !== 503) throw await errorOf(res)
  return (await res.json()) as HealthBody
}

export interface HealthBody {
  status: string
  checks: Record<string, { status: string; details: Record<string, unknown> }>
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '')
  try {
    const body = JSON.parse(text) as { Message?: string }
    return new ApiError(body.Message ?? text, res.status)
  } catch {
    return new ApiError(text || res.statusText, res.status)
  }
}

/** A POST with upload progress (fetch has none): resolves with the response text. */
export function upload(
  command: string,
  args: Args,
  form: FormData,
  onProgress: (sent: number, total: number) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', apiUrl(command, args))
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v)
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.total)
    xhr.onerror = () => {
      report(false)
      reject(new UnreachableError(new Error('upload failed')))
    }
    xhr.onload = () => {
      report(true)
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.responseText)
      else {
        let message = xhr.responseText
        try {
          message = (JSON.parse(xhr.responseText) as { Message: string }).Message
        } catch {}
        reject(new ApiError(message, xhr.status))
      }
    }
    xhr.send(form)
  })
}

/** A message for any error a view shows. */
export function describe(err: unknown): string {
  if (err instanceof ApiError && err.status === 401) return 'The daemon needs an API token (see "API token" above).'
  return err instanceof Error ? err.message : String(err)
}

/** `1.5 KiB` etc. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}
