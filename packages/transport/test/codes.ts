import { isIpfrsError } from '@ipfrs/core'

/** The error code a call throws (undefined if it returns); a throw that is not an IpfrsError is rethrown. */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    if (isIpfrsError(err)) return err.code
    throw err
  }
  return undefined
}

/** The error code a promise rejects with (undefined if it resolves). */
export async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (err) {
    if (isIpfrsError(err)) return err.code
    throw err
  }
  return undefined
}
