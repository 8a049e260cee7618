import { badArgument } from './errors.js'

/** A command's query string, read the way Kubo's commands library reads it (`?arg=` repeated, flags by name). */
export class Params {
  readonly #search: URLSearchParams

  constructor(search: URLSearchParams) {
    this.#search = search
  }

  /**
   * An option's value under Kubo's name (`max-depth`) or, failing that, the camelCase name the older js clients
   * (`ipfs-http-client`, `kubo-rpc-client` for some flags) send (`maxDepth`).
   */
  #get(name: string): string | null {
    return this.#search.get(name) ?? this.#search.get(name.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase()))
  }

  /** Every positional argument (`?arg=a&arg=b`). */
  args(): string[] {
    return this.#search.getAll('arg')
  }

  /** The first positional argument; 400 when missing. */
  arg(what = 'argument'): string {
    const value = this.#search.get('arg')
    if (value == null || value === '') throw badArgument(`missing ${what} (pass it as ?arg=)`)
    return value
  }

  string(name: string): string | undefined {
    return this.#get(name) ?? undefined
  }

  /** A boolean flag: `?flag`, `?flag=true|1` are true, `?flag=false|0` false, absent → `fallback`. */
  bool(name: string, fallback: boolean): boolean
  bool(name: string): boolean | undefined
  bool(name: string, fallback?: boolean): boolean | undefined {
    const value = this.#get(name)
    if (value == null) return fallback
    if (value === '' || value === 'true' || value === '1') return true
    if (value === 'false' || value === '0') return false
    throw badArgument(`option ${name} must be true or false, got "${value}"`)
  }

  /** A non-negative integer option. */
  int(name: string): number | undefined {
    const value = this.#get(name)
    if (value == null || value === '') return undefined
    const n = Number(value)
    if (!Number.isSafeInteger(n) || n < 0) throw badArgument(`option ${name} must be a non-negative integer`)
    return n
  }

  /** A duration such as `30s`, `2m`, `500ms` or a plain number of seconds, in milliseconds. */
  duration(name: string): number | undefined {
    const value = this.#get(name)
    if (value == null || value === '') return undefined
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value)
    if (m == null) throw badArgument(`option ${name} must be a duration such as 30s, got "${value}"`)
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h']
    return Number(m[1]) * unit
  }
}
