/**
 * The web UI against a daemon with `API.Authorizations` set, in Chromium: the page loads without a token, says the
 * API needs one, and works once the user enters it (every call then carries `Authorization: Bearer <token>`).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, screenshotDir, screenshotViews } from './browser.js'
import { cliEnv } from './helpers.js'

const TOKEN = 'webui-browser-token-0123'

describe('web UI with API.Authorizations (real daemon process, Chromium)', () => {
  let env: Awaited<ReturnType<typeof cliEnv>>
  let chromium: Awaited<ReturnType<typeof launchChromium>>
  let base: string

  beforeAll(async () => {
    env = await cliEnv({ IPFRS_API_TOKEN: TOKEN }) // what the CLI sends the daemon
    await env.ok(['init', '--profile', 'test'])
    await env.ok([
      'config',
      '--json',
      'API.Authorizations',
      JSON.stringify({ ui: { AuthSecret: `bearer:${TOKEN}`, AllowedPaths: ['/api/v0'] } }),
    ])
    await env.ok(['daemon', '--background'])
    const m = /\/tcp\/(\d+)/.exec(await readFile(join(env.repo, 'api'), 'utf8'))
    base = `http://127.0.0.1:${m?.[1]}`
    chromium = await launchChromium()
  })

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return
    const context = await chromium.browser.newContext()
    await screenshotViews(context, base, ['status', 'files'], screenshotDir('webui-auth.int.test.ts', ctx.task.name))
    await context.close()
  })

  afterAll(async () => {
    await chromium?.close()
    await env?.ipfrs(['daemon', 'stop'])
    await env?.cleanup()
  })

  it('asks for the token, then sends it with every call', async () => {
    const id = JSON.parse(await env.ok(['id', '--json'])) as { ID: string }
    const page = await chromium.browser.newPage()
    await page.goto(`${base}/webui/`)
    await page.getByText('The daemon needs an API token').first().waitFor()
    expect(await page.getByTestId('peer-id').textContent()).toBe('…')
    // a wrong token is still refused
    await page.getByLabel('API token').fill('not-the-token')
    await page.getByRole('button', { name: 'Use token' }).click()
    await page.getByText('The daemon needs an API token').first().waitFor()
    await page.getByLabel('API token').fill(TOKEN)
    await page.getByRole('button', { name: 'Use token' }).click()
    await expect.poll(() => page.getByTestId('peer-id').textContent()).toBe(id.ID)
    // the token lasts for the tab: another view's calls carry it too
    await page.getByRole('link', { name: 'Files' }).click()
    await page.getByText('Nothing pinned yet').waitFor()
  })
})
