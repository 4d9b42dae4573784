import { test } from '@japa/runner'
import type { Page } from 'playwright-core'
import { newVisitor, screenshot, Visitor } from '../support/browser'
import { baseUrl, e2eDriver } from '../support/server'

type Cleanup = (fn: () => Promise<void>) => void

/**
 * A new visitor (no cookies). After the test, any console error or
 * uncaught exception on its pages fails the test, except the ones matching
 * `expectedErrors`.
 */
async function newTab(cleanup: Cleanup, expectedErrors: RegExp[] = []) {
  const visitor: Visitor = await newVisitor(baseUrl)
  cleanup(async () => {
    await visitor.context.close()
    const unexpected = visitor.consoleErrors.filter(
      (error) => !expectedErrors.some((pattern) => pattern.test(error))
    )
    if (unexpected.length) {
      throw new Error(`Console errors:\n${unexpected.join('\n')}`)
    }
  })
  return { visitor, page: await visitor.context.newPage() }
}

/**
 * Opens a page for a new visitor
 */
async function visit(cleanup: Cleanup, path: string, expectedErrors: RegExp[] = []) {
  const { page, visitor } = await newTab(cleanup, expectedErrors)
  await page.goto(path)
  return { page, visitor }
}

async function text(page: Page, selector: string) {
  return ((await page.textContent(selector)) || '').trim()
}

test.group(`Browser (${e2eDriver} driver)`, () => {
  test('serves the app with the expected session driver', async ({ assert, cleanup }) => {
    const { page } = await visit(cleanup, '/session')

    assert.equal(await page.textContent('#session-driver'), e2eDriver)
    assert.match((await page.textContent('#session-id')) || '', /^\S{10,}$/)
    assert.include(await text(page, '#panel-read'), 'none: a new visitor has nothing to read')
  })

  test('every page renders with the stylesheet and favicon, without console errors', async ({
    assert,
    cleanup,
  }) => {
    const { page } = await newTab(cleanup)
    const failed: string[] = []
    page.on('response', (response) => {
      if (response.status() >= 400) {
        failed.push(`${response.status()} ${response.url()}`)
      }
    })
    for (const [path, name] of [
      ['/', 'home'],
      ['/cart', 'cart'],
      ['/posts', 'posts'],
      ['/login', 'login'],
      ['/session', 'session'],
    ]) {
      await page.goto(path)
      await page.waitForLoadState('load')
      assert.equal(
        await page.evaluate('getComputedStyle(document.body).margin'),
        '0px',
        `${path} has the stylesheet`
      )
      assert.equal(await page.locator('#session-panel').count(), 1, `${path} has the panel`)
      await screenshot(page, name)
    }
    const favicon = await page.request.get('/favicon.svg')
    assert.equal(favicon.status(), 200)
    assert.deepEqual(failed, [])
  })

  test('shows each error next to its field and keeps the input, once', async ({
    assert,
    cleanup,
  }) => {
    const { page } = await visit(cleanup, '/posts')

    await page.fill('#title', 'ab')
    await page.fill('#body', '')
    await Promise.all([page.waitForURL('**/posts'), page.click('#save-post')])

    assert.equal(
      await text(page, '.field:has(#title) #title-error'),
      'Title must be at least 3 characters long'
    )
    assert.equal(await text(page, '.field:has(#body) #body-error'), 'Body is required')
    assert.equal(await page.inputValue('#title'), 'ab')
    assert.include(await text(page, '#panel-read'), 'previous messages shown, removed at commit')
    assert.include(await text(page, '#panel-previous'), 'POST /posts → 302')
    assert.match(await text(page, '#panel-commit'), /^write \d+ bytes of JSON$/)
    await screenshot(page, 'posts-invalid')

    await page.reload()

    assert.equal(await page.locator('#title-error').count(), 0)
    assert.equal(await page.locator('#body-error').count(), 0)
    assert.equal(await page.inputValue('#title'), '')
    assert.include(await text(page, '#panel-previous'), 'GET /posts → 200')
    assert.match(await text(page, '#panel-commit'), /^write \d+ bytes of JSON$/)

    await page.reload()
    assert.equal(await text(page, '#panel-commit'), 'no write nothing changed')
    await screenshot(page, 'posts-reloaded')
  })

  test('saves a valid post and shows the success notice once', async ({ assert, cleanup }) => {
    const { page } = await visit(cleanup, '/posts')

    await page.fill('#title', 'Hello browser')
    await page.fill('#body', 'Sent from chromium')
    await Promise.all([page.waitForURL('**/posts'), page.click('#save-post')])

    assert.equal(await page.textContent('#notification'), 'Post "Hello browser" saved')
    assert.equal(await page.getAttribute('#notification', 'data-kind'), 'success')
    assert.include(await page.textContent('#posts'), 'Hello browser')
    await screenshot(page, 'posts-saved')

    await page.reload()
    assert.equal(await page.locator('#notification').count(), 0)
    assert.include(await page.textContent('#posts'), 'Hello browser')
  })

  test('a prefetch of the next page leaves its flash message for the navigation', async ({
    assert,
    cleanup,
  }) => {
    const { page } = await visit(cleanup, '/cart')
    const csrf = await page.inputValue('form[action="/cart/clear"] input[name="_csrf"]')

    /**
     * The form post, without following its redirect: the flash message
     * waits in the session for the next page
     */
    const cleared = await page.request.post('/cart/clear', {
      form: { _csrf: csrf },
      maxRedirects: 0,
    })
    assert.equal(cleared.status(), 302)

    const prefetch = await page.request.get('/cart', { headers: { 'Sec-Purpose': 'prefetch' } })
    assert.equal(prefetch.status(), 200)
    assert.include(await prefetch.text(), 'Cart emptied')

    await page.goto('/cart')
    assert.equal(await page.textContent('#notification'), 'Cart emptied')
    assert.equal(await page.getAttribute('#notification', 'data-kind'), 'info')

    await page.reload()
    assert.equal(await page.locator('#notification').count(), 0)
  })

  test('refuses a form posted without its CSRF token', async ({ assert, cleanup }) => {
    const { page } = await visit(cleanup, '/posts', [/status of 403/])

    await page.fill('#title', 'No token')
    await page.fill('#body', 'Should be refused')
    await page.locator('#post-form input[name="_csrf"]').evaluate((input) => input.remove())
    const [response] = await Promise.all([
      page.waitForResponse((res) => res.request().method() === 'POST'),
      page.click('#save-post'),
    ])

    assert.equal(response.status(), 403)
    assert.include(await page.textContent('#error-title'), '403')
    await screenshot(page, 'csrf-refused')

    await page.goto('/posts')
    assert.equal(await page.locator('#no-posts').count(), 1)
  })

  test('keeps a cart per visitor', async ({ assert, cleanup }) => {
    const { page } = await visit(cleanup, '/cart')

    await Promise.all([page.waitForURL('**/cart'), page.click('#add-to-cart')])
    await page.fill('#quantity', '2')
    await Promise.all([page.waitForURL('**/cart'), page.click('#add-to-cart')])
    assert.equal(await page.textContent('#cart-count'), '3')
    assert.equal(await page.textContent('#nav-cart'), '3')
    await screenshot(page, 'cart-filled')

    const { page: stranger } = await visit(cleanup, '/cart')
    assert.equal(await stranger.textContent('#cart-count'), '0')
  })

  test('sends guests to sign in with a warning, not a success notice', async ({
    assert,
    cleanup,
  }) => {
    const { page } = await visit(cleanup, '/account')

    assert.match(page.url(), /\/login$/)
    assert.equal(await page.textContent('#notification'), 'Please sign in to see that page')
    assert.equal(await page.getAttribute('#notification', 'data-kind'), 'warning')
    await screenshot(page, 'login-warning')
  })

  test('regenerates the session id on sign-in and sign-out', async ({ assert, cleanup }) => {
    const { page } = await visit(cleanup, '/cart')
    await Promise.all([page.waitForURL('**/cart'), page.click('#add-to-cart')])

    await page.goto('/session')
    const guestId = await page.textContent('#session-id')

    await page.goto('/login')
    await page.fill('#email', 'demo@example.com')
    await page.fill('#password', 'secret')
    await Promise.all([page.waitForURL('**/account'), page.click('#sign-in')])
    assert.equal(await page.textContent('#account-name'), 'Demo User')
    assert.include(await text(page, '#panel-commit'), 'old record destroyed')
    await screenshot(page, 'account')

    await page.goto('/session')
    const userId = await page.textContent('#session-id')
    assert.notEqual(userId, guestId)
    assert.equal(await page.textContent('#nav-cart'), '1')
    assert.include(await text(page, '[data-key="csrf-secret"]'), 'hidden (')
    await screenshot(page, 'session-signed-in')

    const signOut = await page.locator('#sign-out').boundingBox()
    const cartLink = await page.locator('a[href="/cart"].nav-link').boundingBox()
    assert.isBelow(
      Math.abs(signOut!.y + signOut!.height / 2 - (cartLink!.y + cartLink!.height / 2)),
      2
    )

    await Promise.all([page.waitForURL(`${baseUrl}/`), page.click('#sign-out')])
    assert.equal(await page.textContent('#notification'), 'You have been signed out')
    assert.equal(await page.locator('#nav-login').count(), 1)

    await page.goto('/session')
    const signedOutId = await page.textContent('#session-id')
    assert.notEqual(signedOutId, userId)
    assert.notEqual(signedOutId, guestId)
  })

  test('refuses a wrong password and refills the email only', async ({ assert, cleanup }) => {
    const { page } = await visit(cleanup, '/login')

    await page.fill('#email', 'demo@example.com')
    await page.fill('#password', 'nope')
    await Promise.all([page.waitForURL('**/login'), page.click('#sign-in')])

    assert.equal(await page.textContent('#login-error'), 'Invalid email or password')
    assert.equal(await page.inputValue('#email'), 'demo@example.com')
    assert.equal(await page.inputValue('#password'), '')
    await screenshot(page, 'login-error')
  })
})
