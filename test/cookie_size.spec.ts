/*
 * @adonisjs/session
 *
 * The cookie driver and the size browsers keep. A cookie counts as browsers
 * count it (name and value, at most 4096 bytes; attributes apart). A long
 * form that fails validation (the real validator, flashing its input and
 * errors) redirects back: the largest flashed input values are left out
 * until the cookie fits, with a warning; values the app stores itself are
 * never dropped, and a cookie they make too large is an error.
 */

import { test } from '@japa/runner'
import { setupApp, TestApp, SESSION_DEFAULTS } from './helpers/app'
import { Browser, BrowserResponse, errorMessage } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'
import { captureLogs, warnings } from './helpers/logs'
import { COOKIE_SIZE_LIMIT, cookieSize } from '../src/Cookies'

/**
 * A textarea of about 2,900 characters, some of them outside ASCII
 */
const LONG_TEXT = 'Lorem ipsum dolor sit amet, élan café naïve. '.repeat(64)

const SUMMARY = 'A summary of the post. '.repeat(25)

const TOO_LARGE =
  /^E_SESSION_COOKIE_TOO_LARGE: Session cookie "[A-Za-z0-9_-]{32}" would be (\d{4}) bytes \(name and value\), over the 4096 bytes browsers keep\. Store less in the session, or switch to the file or redis driver in "config\/session" file$/

async function boot(logs: any[], config: Record<string, any> = {}) {
  const app = await setupApp(
    { ...SESSION_DEFAULTS, driver: 'cookie', ...config },
    { beforeBoot: (application) => captureLogs(application, logs) }
  )

  /**
   * Errors rendered as apps render them, by app/Exceptions/Handler.ts:
   * the validator's exception handles itself there
   */
  const HttpExceptionHandler = app.app.container.use('Adonis/Core/HttpExceptionHandler')
  const handler = new (class ExceptionHandler extends HttpExceptionHandler {})(app.app.logger)
  app.app.container
    .use('Adonis/Core/Server')
    .errorHandler((error, ctx) => handler.handle(error, ctx))

  const { schema, rules } = app.app.container.use('Adonis/Core/Validator')
  const postSchema = schema.create({
    title: schema.string({ trim: true }, [rules.minLength(5)]),
    summary: schema.string.optional(),
    body: schema.string(),
  })
  app.Route.post('/posts', async ({ request }) => {
    await request.validate({ schema: postSchema })
    return 'created'
  })
  app.Route.get('/posts/create', ({ session }) => session.flashMessages.all())
  defineSessionRoutes(app.Route)
  return { app, browser: new Browser(await app.listen()) }
}

/**
 * Submit the post form as a browser does, from the form's page
 */
function submit(browser: Browser, fields: Record<string, string>) {
  return browser.post('/posts', new URLSearchParams(fields), {
    'accept': 'text/html',
    'content-type': 'application/x-www-form-urlencoded',
    'referer': `${browser.baseUrl}/posts/create`,
  })
}

/**
 * The data cookie a response sets, and its size as browsers count it
 */
function dataCookie(response: BrowserResponse) {
  const header = response.headers.getSetCookie().find((raw) => !raw.startsWith('adonis-session='))!
  const pair = header.split(';')[0]
  const index = pair.indexOf('=')
  return { header, size: cookieSize(pair.slice(0, index), pair.slice(index + 1)) }
}

test.group('cookie driver: a long form that fails validation', (group) => {
  let app: TestApp
  let browser: Browser
  let logs: any[]

  group.each.setup(async () => {
    logs = []
    ;({ app, browser } = await boot(logs))
    return () => app.close()
  })

  test('redirects back with its errors, leaving out the largest input', async ({ assert }) => {
    const response = await submit(browser, {
      _csrf: 'token',
      title: 'Hi',
      summary: SUMMARY,
      body: LONG_TEXT,
    })
    assert.equal(response.status, 302, response.text)
    assert.equal(response.headers.get('location'), '/posts/create')
    assert.isAtMost(dataCookie(response).size, COOKIE_SIZE_LIMIT)
    assert.deepEqual(warnings(logs), [
      'Left out the flashed input "body" of the session cookie, which would be over the 4096 bytes browsers keep',
    ])

    const form = await browser.get('/posts/create')
    assert.deepEqual(form.json, {
      title: 'Hi',
      summary: SUMMARY,
      errors: { title: ['minLength validation failed'] },
    })
    assert.deepEqual((await browser.get('/posts/create')).json, {})
  })

  test('keeps every input value when the cookie fits', async ({ assert }) => {
    const response = await submit(browser, { title: 'Hi', body: LONG_TEXT.slice(0, 1500) })
    assert.equal(response.status, 302, response.text)
    assert.deepEqual((await browser.get('/posts/create')).json, {
      title: 'Hi',
      body: LONG_TEXT.slice(0, 1500),
      errors: { title: ['minLength validation failed'] },
    })
    assert.deepEqual(warnings(logs), [])
  })

  test('leaves out as many values as it takes, the largest first', async ({ assert }) => {
    const response = await submit(browser, {
      title: 'Hi',
      summary: SUMMARY.repeat(6),
      body: LONG_TEXT,
      tags: 'news',
    })
    assert.equal(response.status, 302, response.text)
    assert.deepEqual((await browser.get('/posts/create')).json, {
      title: 'Hi',
      tags: 'news',
      errors: { title: ['minLength validation failed'] },
    })
    assert.deepEqual(warnings(logs), [
      'Left out the flashed input "summary", "body" of the session cookie, which would be over the 4096 bytes browsers keep',
    ])
  })

  test('a nested form keeps its small fields', async ({ assert }) => {
    const response = await submit(browser, { 'post[title]': 'Hi', 'post[body]': LONG_TEXT })
    assert.equal(response.status, 302, response.text)
    const flashed = (await browser.get('/posts/create')).json
    assert.deepEqual(flashed.post, { title: 'Hi' })
    assert.deepEqual(Object.keys(flashed.errors).sort(), ['body', 'title'])
    assert.deepEqual(warnings(logs), [
      'Left out the flashed input "post.body" of the session cookie, which would be over the 4096 bytes browsers keep',
    ])
  })

  test('keeps the values the app stored, and the rest of the form', async ({ assert }) => {
    await browser.post('/put', { draft: 'd'.repeat(1500), user: 'virk' })
    const response = await submit(browser, { title: 'Hi', summary: 'short', body: LONG_TEXT })
    assert.equal(response.status, 302, response.text)
    assert.deepEqual((await browser.get('/posts/create')).json, {
      title: 'Hi',
      summary: 'short',
      errors: { title: ['minLength validation failed'] },
    })
    assert.deepEqual((await browser.get('/all')).json.values, {
      draft: 'd'.repeat(1500),
      user: 'virk',
    })
  })

  test('a value the app flashes itself is never left out: too large is an error', async ({
    assert,
  }) => {
    await browser.post('/put', { draft: 'd'.repeat(2500) })
    const response = await browser.post(
      '/flash',
      { notice: 'n'.repeat(1500) },
      { accept: 'application/json' }
    )
    assert.equal(response.status, 500)
    assert.match(errorMessage(response), TOO_LARGE)
    assert.isUndefined(response.setCookies.find((cookie) => cookie.name !== 'adonis-session'))
    assert.deepEqual((await browser.get('/all')).json.values, { draft: 'd'.repeat(2500) })
  })
})

test.group('cookie driver: the size browsers keep', (group) => {
  let app: TestApp
  let browser: Browser

  group.each.setup(async () => {
    ;({ app, browser } = await boot([], {
      cookie: { domain: 'localhost', path: '/', sameSite: 'lax', httpOnly: true, secure: false },
    }))
    return () => app.close()
  })

  test('name and value count, up to exactly 4096 bytes', ({ assert }) => {
    const name = 'n'.repeat(32)
    assert.equal(cookieSize(name, 'v'.repeat(4064)), 4096)
    assert.equal(cookieSize(name, 'v'.repeat(4065)), 4097)
    assert.equal(cookieSize('é', 'ü'), 4)
  })

  test('the largest data cookie is sent though its attributes pass 4096, one block more is refused', async ({
    assert,
  }) => {
    const { id } = (await browser.get('/all')).json
    const sizeFor = (length: number) =>
      cookieSize(
        id,
        encodeURIComponent(app.manager.cookies.encryptData(id, { text: 'x'.repeat(length) }))
      )
    let length = 2000
    while (sizeFor(length + 1) <= COOKIE_SIZE_LIMIT) {
      length++
    }

    const largest = await browser.post('/put', { text: 'x'.repeat(length) })
    assert.equal(largest.status, 200, largest.text)
    const { header, size } = dataCookie(largest)
    assert.isAtMost(size, COOKIE_SIZE_LIMIT)
    assert.isAbove(size, COOKIE_SIZE_LIMIT - 22)
    assert.isAbove(Buffer.byteLength(header), COOKIE_SIZE_LIMIT)
    assert.equal((await browser.get('/get/text')).json.value.length, length)

    const over = await browser.post(
      '/put',
      { text: 'x'.repeat(length + 1) },
      { accept: 'application/json' }
    )
    assert.equal(over.status, 500)
    const [, reported] = errorMessage(over).match(TOO_LARGE)!
    assert.equal(Number(reported), sizeFor(length + 1))
    assert.isAbove(Number(reported), COOKIE_SIZE_LIMIT)
    assert.equal((await browser.get('/get/text')).json.value.length, length)
  })
})
