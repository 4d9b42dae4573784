import { chromium, Browser, BrowserContext } from 'playwright-core'

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
 * A fresh browser context, that is a visitor with no cookies yet
 */
export async function newVisitor(baseURL: string): Promise<BrowserContext> {
  if (!browser) {
    throw new Error('The browser is not running: startBrowser() must run in the suite setup')
  }
  const context = await browser.newContext({ baseURL })
  context.setDefaultTimeout(10_000)
  return context
}
