import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'

/**
 * Debian's Chromium, as scripts/provision.sh installs it: $CHROMIUM, else /usr/bin/chromium, else the copy unpacked
 * into .tools/chromium (no root). No browser is ever downloaded from elsewhere.
 */
export function chromiumPath(): string {
  const root = new URL('../../../', import.meta.url).pathname
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', join(root, '.tools/chromium/chromium')]
  const found = candidates.find((p) => p != null && p !== '' && existsSync(p))
  if (found == null)
    throw new Error(
      'Chromium is not installed: run scripts/provision.sh (apt-get install chromium, or .tools/chromium)',
    )
  return found
}

/**
 * A headless Chromium with no background traffic (this machine has no outside network). Playwright gives it a new
 * empty profile (--user-data-dir in a temp dir) and removes it on close.
 */
export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => undefined)
    },
  }
}

/** Where a failed browser test leaves its screenshots: test-output/<file>/<test name>/ inside the package. */
export function screenshotDir(file: string, test: string): string {
  const safe = (s: string) => s.replace(/[^a-z0-9._-]+/gi, '-').slice(0, 80)
  return new URL(`../test-output/${safe(file)}/${safe(test)}/`, import.meta.url).pathname
}

/** Saves a full-page screenshot of each named view (`?view=<name>`) of the web UI at `base`. */
export async function screenshotViews(
  context: BrowserContext,
  base: string,
  views: readonly string[],
  dir: string,
): Promise<void> {
  await mkdir(dir, { recursive: true })
  const page: Page = await context.newPage()
  try {
    for (const view of views) {
      await page.goto(`${base}/webui/?view=${view}`).catch(() => undefined)
      await page.waitForTimeout(500)
      await page.screenshot({ path: join(dir, `${view}.png`), fullPage: true }).catch(() => undefined)
    }
  } finally {
    await page.close()
  }
}
