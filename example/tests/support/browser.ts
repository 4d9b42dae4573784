import { mkdirSync } from 'fs'
import { join } from 'path'
import { chromium, Browser, BrowserContext, Page } from 'playwright-core'

/**
 * Debian's chromium; playwright-core never downloads a browser here
 */
const EXECUTABLE_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * Screenshots of the pages the tests visit (gitignored)
 */
export const SCREENSHOTS_DIR = join(
  __dirname,
  '..',
  '..',
  'test-artifacts',
  'screenshots',
  process.env.E2E_SESSION_DRIVER || 'cookie'
)

let browser: Browser | null = null

/**
 * Launches the shared headless browser for the suite
 */
export async function startBrowser() {
  browser = await chromium.launch({
    executablePath: EXECUTABLE_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  })
}

/**
 * Closes the shared browser
 */
export async function stopBrowser() {
  await browser?.close()
  browser = null
}

/**
 * A visitor: a fresh browser context (no cookies yet) and the console
 * errors and uncaught exceptions of every page it opens
 */
export type Visitor = { context: BrowserContext; consoleErrors: string[] }

export async function newVisitor(baseURL: string): Promise<Visitor> {
  if (!browser) {
    throw new Error('The browser is not running: startBrowser() must run in the suite setup')
  }
  const context = await browser.newContext({ baseURL, viewport: { width: 1100, height: 900 } })
  context.setDefaultTimeout(10_000)
  const consoleErrors: string[] = []
  context.on('page', (page) => watchConsole(page, consoleErrors))
  return { context, consoleErrors }
}

function watchConsole(page: Page, errors: string[]) {
  page.on('console', (message) => {
    if (message.type() === 'error') {
      errors.push(`${page.url()}: ${message.text()}`)
    }
  })
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`))
}

/**
 * Saves a full-page screenshot as <name>.png in the artifacts folder
 */
export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true })
  await page.waitForLoadState('load')
  await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true })
}
