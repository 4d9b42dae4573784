import { test } from '@japa/runner'
import type { BrowserContext, Page } from 'playwright-core'
import { newVisitor } from '../support/browser'
import { baseUrl, e2eDriver } from '../support/server'

/**
 * Opens a page for a new visitor (no cookies) and closes it after the test
 */
async function visit(cleanup: (fn: () => Promise<void>) => void, path: string) {
  const context: BrowserContext = await newVisitor(baseUrl)
  cleanup(() => context.close())
  const page: Page = await context.newPage()
  await page.goto(path)
  return page
}

test.group(`Browser (${process.env.E2E_SESSION_DRIVER || 'cookie'} driver)`, () => {
  test('serves the app with the expected session driver', async ({ assert, cleanup }) => {
    const page = await visit(cleanup, '/session')

    assert.equal(await page.textContent('#session-driver'), e2eDriver)
    assert.match((await page.textContent('#session-id')) || '', /^\S{10,}$/)
  })

  test('shows flash errors and old input once, then forgets them', async ({ assert, cleanup }) => {
    const page = await visit(cleanup, '/posts')

    await page.fill('#title', 'ab')
    await page.fill('#body', '')
    await Promise.all([page.waitForURL('**/posts'), page.click('#save-post')])

    assert.equal(await page.textContent('#title-error'), 'Title must be at least 3 characters long')
    assert.equal(await page.textContent('#body-error'), 'Body is required')
    assert.equal(await page.inputValue('#title'), 'ab')

    await page.reload()

    assert.equal(await page.locator('#title-error').count(), 0)
    assert.equal(await page.locator('#body-error').count(), 0)
    assert.equal(await page.inputValue('#title'), '')
  })

  test('saves a valid post and shows the notification once', async ({ assert, cleanup }) => {
    const page = await visit(cleanup, '/posts')

    await page.fill('#title', 'Hello browser')
    await page.fill('#body', 'Sent from chromium')
    await Promise.all([page.waitForURL('**/posts'), page.click('#save-post')])

    assert.equal(await page.textContent('#notification'), 'Post "Hello browser" saved')
    assert.include(await page.textContent('#posts'), 'Hello browser')

    await page.reload()
    assert.equal(await page.locator('#notification').count(), 0)
    assert.include(await page.textContent('#posts'), 'Hello browser')
  })

  test('refuses a form posted without its CSRF token', async ({ assert, cleanup }) => {
    const page = await visit(cleanup, '/posts')

    await page.fill('#title', 'No token')
    await page.fill('#body', 'Should be refused')
    await page.locator('#post-form input[name="_csrf"]').evaluate((input) => input.remove())
    const [response] = await Promise.all([
      page.waitForResponse((res) => res.request().method() === 'POST'),
      page.click('#save-post'),
    ])

    assert.equal(response.status(), 403)
    assert.include(await page.textContent('#error-title'), '403')

    await page.goto('/posts')
    assert.equal(await page.locator('#no-posts').count(), 1)
  })

  test('keeps a cart per visitor', async ({ assert, cleanup }) => {
    const page = await visit(cleanup, '/cart')

    await Promise.all([page.waitForURL('**/cart'), page.click('#add-to-cart')])
    await page.fill('#quantity', '2')
    await Promise.all([page.waitForURL('**/cart'), page.click('#add-to-cart')])
    assert.equal(await page.textContent('#cart-count'), '3')
    assert.equal(await page.textContent('#nav-cart'), '3')

    const stranger = await visit(cleanup, '/cart')
    assert.equal(await stranger.textContent('#cart-count'), '0')
  })

  test('regenerates the session id on sign-in and sign-out', async ({ assert, cleanup }) => {
    const page = await visit(cleanup, '/cart')
    await Promise.all([page.waitForURL('**/cart'), page.click('#add-to-cart')])

    await page.goto('/session')
    const guestId = await page.textContent('#session-id')

    await page.goto('/login')
    await page.fill('#email', 'demo@example.com')
    await page.fill('#password', 'secret')
    await Promise.all([page.waitForURL('**/account'), page.click('#sign-in')])
    assert.equal(await page.textContent('#account-name'), 'Demo User')

    await page.goto('/session')
    const userId = await page.textContent('#session-id')
    assert.notEqual(userId, guestId)
    assert.equal(await page.textContent('#nav-cart'), '1')

    await Promise.all([page.waitForURL(`${baseUrl}/`), page.click('#sign-out')])
    assert.equal(await page.textContent('#notification'), 'You have been signed out')
    assert.equal(await page.locator('#nav-login').count(), 1)

    await page.goto('/session')
    const signedOutId = await page.textContent('#session-id')
    assert.notEqual(signedOutId, userId)
    assert.notEqual(signedOutId, guestId)
  })

  test('refuses a wrong password and refills the email only', async ({ assert, cleanup }) => {
    const page = await visit(cleanup, '/login')

    await page.fill('#email', 'demo@example.com')
    await page.fill('#password', 'nope')
    await Promise.all([page.waitForURL('**/login'), page.click('#sign-in')])

    assert.equal(await page.textContent('#login-error'), 'Invalid email or password')
    assert.equal(await page.inputValue('#email'), 'demo@example.com')
    assert.equal(await page.inputValue('#password'), '')
  })
})
