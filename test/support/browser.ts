import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** Debian's chromium (`.ci/run` installs it); playwright-core never downloads a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

// What the machine allows: no sandbox as root, and no background calls to hosts it cannot reach.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium), or set CHROMIUM_PATH`)
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS })
}

/** The built web app, built first when this checkout has none (npm ci builds it). */
export function ensureWebBuild(): void {
  if (!existsSync(`${ROOT}/web/dist/index.html`)) execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' })
}

/** Where screenshots go: docs/screenshots with UPDATE_SCREENSHOTS=1, else a scratch folder. */
export function screenshotDir(scratch: string): string {
  const dir = process.env.UPDATE_SCREENSHOTS === '1' ? `${ROOT}/docs/screenshots` : scratch
  mkdirSync(dir, { recursive: true })
  return dir
}

/** A page that fails the test on any uncaught error in the app. */
export async function newPage(context: BrowserContext, errors: string[]): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (e) => errors.push(e.message))
  // A page that breaks its own Content-Security-Policy only says so on the console.
  page.on('console', (m) => void (m.type() === 'error' && /Content Security Policy/i.test(m.text()) && errors.push(m.text())))
  page.setDefaultTimeout(30_000)
  return page
}

/**
 * Signs in through the PDS's own OAuth pages, as a person would: handle on our page, password and
 * consent on the PDS's, then back to the app.
 */
export async function signInWithBluesky(page: Page, base: string, handle: string, password: string): Promise<void> {
  await page.goto(`${base}/sign-in`)
  await continueSignIn(page, base, handle, password)
}

/** The rest of a sign-in, from our sign-in page (reached from wherever the user was). */
export async function continueSignIn(page: Page, base: string, handle: string, password: string): Promise<void> {
  await page.getByLabel('Handle').fill(handle)
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.waitForURL((u) => u.pathname === '/oauth/authorize')
  await page.getByRole('textbox', { name: 'Password' }).fill(password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await page.getByRole('button', { name: 'Authorize', exact: true }).click()
  await page.waitForURL((u) => u.origin === base)
  await page.getByText(`@${handle}`).first().waitFor()
}
