/**
 * Polls `check` every `interval` ms until it is true; throws `timed out waiting for <what>` after `timeout` ms.
 * For conditions a test cannot await directly (a mesh forming, a peer's summary arriving).
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  options: { timeout?: number; interval?: number; what?: string } = {},
): Promise<void> {
  const { timeout = 15_000, interval = 25, what = 'a condition' } = options
  const deadline = Date.now() + timeout
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, interval))
  }
}
