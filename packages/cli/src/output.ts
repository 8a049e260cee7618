import { isIpfrsError } from '@ipfrs/core/errors'

/** Prints one line to stdout. */
export function println(line = ''): void {
  process.stdout.write(`${line}\n`)
}

/** Prints a value as one line of JSON (bigints as numbers), as Kubo's `--enc=json` does. */
export function printJson(value: unknown): void {
  println(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)))
}

/** Writes bytes to stdout, waiting for the pipe to drain. */
export async function writeStdout(chunk: Uint8Array): Promise<void> {
  if (!process.stdout.write(chunk)) await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()))
}

/** Prints `Error: <message>` (and the stack with --debug) on stderr; returns the exit code. */
export function reportError(err: unknown, debug: boolean): number {
  const message = err instanceof Error ? err.message : String(err)
  process.stderr.write(`Error: ${message}\n`)
  if (debug) {
    if (isIpfrsError(err)) process.stderr.write(`code: ${err.code}\n`)
    if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`)
  }
  return 1
}
