import { test } from '@japa/runner'
import type { Page } from 'playwright-core'
import { newVisitor, screenshot } from '../support/browser'
import { baseUrl, e2eDriver } from '../support/server'

type Cleanup = (fn: () => Promise<void>) => void

/**
 * A new browser context signed in as the demo user; console errors on its
 * pages fail the test
 */
async function signedInVisitor(cleanup: Cleanup) {
  const visitor = await newVisitor(baseUrl)
  cleanup(async () => {
    await visitor.context.close()
    if (visitor.consoleErrors.length) {
      throw new Error(`Console errors:\n${visitor.consoleErrors.join('\n')}`)
    }
  })
  const page = await visitor.context.newPage()
  await page.goto('/login')
  await page.fill('#email', 'demo@example.com')
  await page.fill('#password', 'secret')
  await Promise.all([page.waitForURL('**/account'), page.click('#sign-in')])
  await page.goto('/session')
  const sessionId = ((await page.textContent('#session-id')) || '').trim()
  return { page, sessionId }
}

/**
 * After being signed out from elsewhere, the next page is a guest's
 */
async function assertAnonymous(page: Page, assert: any) {
  await page.goto('/account')
  assert.match(page.url(), /\/login$/)
  assert.equal(await page.locator('#nav-login').count(), 1)
  assert.equal(await page.locator('#nav-user').count(), 0)
}

if (e2eDriver === 'cookie') {
  test.group('Devices page (cookie driver)', () => {
    test('says plainly that the cookie driver cannot list devices', async ({ assert, cleanup }) => {
      const { page } = await signedInVisitor(cleanup)
      await page.goto('/account/devices')
      assert.include(
        (await page.textContent('#devices-unsupported')) || '',
        'This demo runs on the cookie driver, which keeps sessions in the browser only'
      )
      assert.equal(await page.locator('#devices').count(), 0)
      await screenshot(page, 'devices-cookie-driver')
    })
  })
} else {
  test.group(`Devices page (${e2eDriver} driver)`, () => {
    test('one browser signs another out; its next page is anonymous', async ({
      assert,
      cleanup,
    }) => {
      const first = await signedInVisitor(cleanup)
      const second = await signedInVisitor(cleanup)

      await first.page.goto('/account/devices')
      assert.equal(await first.page.locator('#device-current').count(), 1)
      const current = first.page.locator('.device[data-current="true"]')
      assert.include((await current.textContent()) || '', 'IP 127.0.0.1')
      assert.include((await current.textContent()) || '', 'Chrome on Linux')
      assert.include((await current.textContent()) || '', 'Last active just now')
      const row = first.page.locator(
        `form[action="/account/devices/${second.sessionId}/sign-out"] button`
      )
      assert.equal(await row.count(), 1)
      await screenshot(first.page, 'devices')

      await Promise.all([first.page.waitForURL('**/account/devices'), row.click()])
      assert.equal(await first.page.textContent('#notification'), 'That device is signed out')
      assert.equal(
        await first.page
          .locator(`form[action="/account/devices/${second.sessionId}/sign-out"]`)
          .count(),
        0
      )
      await screenshot(first.page, 'devices-after-sign-out')

      await assertAnonymous(second.page, assert)
      await screenshot(second.page, 'devices-signed-out-device')
    })

    test('"sign out all other devices" leaves only this one', async ({ assert, cleanup }) => {
      const others = [await signedInVisitor(cleanup), await signedInVisitor(cleanup)]
      const mine = await signedInVisitor(cleanup)

      await mine.page.goto('/account/devices')
      assert.isAtLeast(await mine.page.locator('.device').count(), 3)
      await Promise.all([
        mine.page.waitForURL('**/account/devices'),
        mine.page.click('#sign-out-others'),
      ])
      assert.match((await mine.page.textContent('#notification')) || '', /^Signed out \d+ other/)
      assert.equal(await mine.page.locator('.device').count(), 1)
      assert.equal(await mine.page.locator('#device-current').count(), 1)
      assert.equal(await mine.page.locator('#sign-out-others').count(), 0)
      await screenshot(mine.page, 'devices-only-this-one')

      for (const other of others) {
        await assertAnonymous(other.page, assert)
      }
      await mine.page.goto('/account')
      assert.equal(await mine.page.textContent('#account-name'), 'Demo User')
    })
  })
}
