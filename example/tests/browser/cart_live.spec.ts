/// <reference lib="dom" />
import { test } from '@japa/runner'
import type { BrowserContext, Page } from 'playwright-core'
import { newVisitor, screenshot } from '../support/browser'
import { baseUrl } from '../support/server'

type Cleanup = (handler: () => Promise<void>) => void

/**
 * A new visitor's browser context; closing it at cleanup fails the test on
 * any console error or uncaught exception its pages had
 */
async function liveVisitor(cleanup: Cleanup): Promise<BrowserContext> {
  const visitor = await newVisitor(baseUrl)
  cleanup(async () => {
    await visitor.context.close()
    if (visitor.consoleErrors.length) {
      throw new Error(`Console errors:\n${visitor.consoleErrors.join('\n')}`)
    }
  })
  return visitor.context
}

/**
 * A tab on /cart whose live cart socket is open
 */
async function openCartTab(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  await page.goto('/cart')
  await page.waitForSelector('html[data-cart-live="open"]')
  return page
}

/**
 * Resolves once both cart counts of the page show `count`
 */
function countShown(page: Page, count: string) {
  return page.waitForFunction(
    (expected) =>
      ['#cart-count', '#nav-cart'].every(
        (selector) => document.querySelector(selector)?.textContent === expected
      ),
    count
  )
}

async function addToCart(page: Page, quantity: number) {
  await page.fill('#quantity', String(quantity))
  await Promise.all([page.waitForURL('**/cart'), page.click('#add-to-cart')])
}

test.group(
  `Live cart over a WebSocket (${process.env.E2E_SESSION_DRIVER || 'cookie'} driver)`,
  () => {
    test('a second tab follows the cart without a reload', async ({ assert, cleanup }) => {
      const context = await liveVisitor(cleanup)
      const shop = await openCartTab(context)
      const other = await openCartTab(context)
      await other.evaluate(() => ((window as any).notReloaded = true))

      await addToCart(shop, 2)
      await countShown(other, '2')
      await addToCart(shop, 3)
      await countShown(other, '5')
      await screenshot(other, 'cart-live-second-tab')

      await Promise.all([shop.waitForURL('**/cart'), shop.click('#clear-cart')])
      await countShown(other, '0')
      assert.isTrue(await other.evaluate(() => (window as any).notReloaded === true))
    })

    test('a tab opened later starts from the session cart', async ({ assert, cleanup }) => {
      const context = await liveVisitor(cleanup)
      const shop = await openCartTab(context)
      await addToCart(shop, 4)

      const later = await openCartTab(context)
      assert.equal(await later.textContent('#cart-count'), '4')
      await addToCart(later, 1)
      await countShown(shop, '5')
    })

    test('another visitor never sees the cart change', async ({ assert, cleanup }) => {
      const visitor = await liveVisitor(cleanup)
      const stranger = await liveVisitor(cleanup)
      const shop = await openCartTab(visitor)
      const other = await openCartTab(visitor)
      const strangerTab = await openCartTab(stranger)

      await addToCart(shop, 7)
      await countShown(other, '7')
      assert.equal(await strangerTab.textContent('#cart-count'), '0')
      assert.equal(await strangerTab.textContent('#nav-cart'), '0')
    })
  }
)
