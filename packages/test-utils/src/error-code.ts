import { isIpfrsError } from '@ipfrs/core'

/** The code of the typed error `fn` throws, or undefined if it returns; any other throw is rethrown. */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    if (isIpfrsError(err)) return err.code
    throw err
  }
  return undefined
}

/** The code of the typed error `p` rejects with, or undefined if it resolves; any other rejection is rethrown. */
export async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (err) {
    if (isIpfrsError(err)) return err.code
    throw err
  }
  return undefined
}
