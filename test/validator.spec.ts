/*
 * @adonisjs/session
 *
 * The v5 validator's web flow through real HTTP, for every driver: an
 * invalid form redirects back with its errors and input flashed, shown once
 * by the Edge tags and old(); JSON requests get a 422 and leave the flash
 * messages alone; prefetches do not consume them.
 */

import { test } from '@japa/runner'
import { Encryption } from '@adonisjs/core/build/standalone'
import { setupApp, tmpPath, SESSION_DEFAULTS, APP_KEY, TestApp } from './helpers/app'
import { redisClient, redisConnections } from './helpers/redis'
import { readSessionFile } from './helpers/file_app'
import { Browser } from './helpers/browser'
import { MemoryDriver } from '../src/Drivers/Memory'

const FORM = `<form>
@error('title')
<p id="title-error">{{ $message }}</p>
@end
<input name="title" value="{{ old('title', '') }}">
@inputError('user.email')
@each(message in $messages)
<p class="email-error">{{ message }}</p>
@end
@end
<input name="user[email]" value="{{ old('user.email', '') }}">
<input name="user[password]" value="{{ old('user.password', '') }}">
@flashMessage('notice')
<p id="notice">{{ $message }}</p>
@else
<p id="no-notice">no notice</p>
@end
</form>
`

type Harness = {
  setup(): Promise<TestApp>
  peekFlash(app: TestApp, browser: Browser): Promise<Record<string, any> | null>
}

const encryption = new Encryption({ secret: APP_KEY })
const redis = redisClient()
const VIEWS = { 'resources/views/form.edge': FORM }

function sessionId(browser: Browser): string {
  return encryption.verifier.unsign(
    browser.cookies.get('adonis-session')!.slice(2),
    'adonis-session'
  )!
}

const HARNESSES: Record<string, Harness> = {
  memory: {
    setup: () =>
      setupApp(
        { ...SESSION_DEFAULTS, driver: 'memory' },
        { providers: ['@adonisjs/view'], files: VIEWS }
      ),
    async peekFlash(_, browser) {
      const entry = MemoryDriver.sessions.get(sessionId(browser))
      return entry ? JSON.parse(entry.json).__flash__ || null : null
    },
  },
  file: {
    setup: () =>
      setupApp(
        { ...SESSION_DEFAULTS, driver: 'file', file: { location: tmpPath('sessions') } },
        { providers: ['@adonisjs/view'], files: VIEWS }
      ),
    async peekFlash(app, browser) {
      const stored = await readSessionFile(app.manager.config.file!.location, sessionId(browser))
      return (stored && stored.message.__flash__) || null
    },
  },
  redis: {
    setup: () =>
      setupApp(
        { ...SESSION_DEFAULTS, driver: 'redis', redisConnection: 'local' },
        { providers: ['@adonisjs/view', '@adonisjs/redis'], redis: redisConnections, files: VIEWS }
      ),
    async peekFlash(_, browser) {
      const raw = await redis.get(sessionId(browser))
      return raw ? JSON.parse(raw).message.__flash__ || null : null
    },
  },
  cookie: {
    setup: () =>
      setupApp(
        { ...SESSION_DEFAULTS, driver: 'cookie' },
        { providers: ['@adonisjs/view'], files: VIEWS }
      ),
    async peekFlash(_, browser) {
      const id = sessionId(browser)
      const raw = browser.cookies.get(id)
      return raw ? (encryption.decrypt(raw.slice(2), id) as any).__flash__ || null : null
    },
  },
}

/**
 * The form's routes: the page, and a post validated with request.validate().
 * Errors go through the framework's exception handler, as in an app.
 */
function defineFormRoutes(app: TestApp) {
  const HttpExceptionHandler = app.app.container.use('Adonis/Core/HttpExceptionHandler')
  const handler = new (class extends HttpExceptionHandler {})(app.app.logger)
  app.app.container
    .use('Adonis/Core/Server')
    .errorHandler((error, ctx) => handler.handle(error, ctx))
  const { schema, rules } = app.app.container.use('Adonis/Core/Validator')
  const postSchema = schema.create({
    title: schema.string({ trim: true }, [rules.minLength(3)]),
    user: schema.object().members({
      email: schema.string({}, [rules.email()]),
      password: schema.string({}, [rules.minLength(8)]),
    }),
  })
  app.Route.get('/form', ({ view }) => view.render('form'))
  app.Route.post('/form', async ({ request, session, response }) => {
    await request.validate({ schema: postSchema })
    session.flash('notice', 'Saved')
    return response.redirect('/form')
  })
  app.Route.post('/notice', ({ session, response }) => {
    session.flash('notice', 'Saved')
    return response.redirect('/form')
  })
}

const INVALID = {
  title: 'ab',
  user: { email: 'not-an-email', password: 'hunter2' },
  password: 'hunter2',
  users: [{ name: 'a', password: 'deep-secret' }],
}

for (const [driver, harness] of Object.entries(HARNESSES)) {
  test.group(`validator web flow: ${driver}`, (group) => {
    let app: TestApp
    let browser: Browser

    group.each.setup(async () => {
      app = await harness.setup()
      defineFormRoutes(app)
      browser = new Browser(await app.listen())
      return () => app.close()
    })

    if (driver === 'redis') {
      group.teardown(() => redis.quit())
    }

    test('an invalid form redirects back with its errors and input, shown once', async ({
      assert,
    }) => {
      const posted = await browser.postForm('/form', INVALID, {
        referer: `${browser.baseUrl}/form?draft=1`,
      })
      assert.equal(posted.status, 302)
      assert.equal(posted.headers.get('location'), '/form?draft=1')

      const stored = await harness.peekFlash(app, browser)
      assert.deepEqual(stored, {
        title: 'ab',
        user: { email: 'not-an-email' },
        users: [{ name: 'a' }],
        errors: {
          'title': ['minLength validation failed'],
          'user.email': ['email validation failed'],
          'user.password': ['minLength validation failed'],
        },
      })

      const shown = await browser.get('/form?draft=1')
      assert.include(shown.text, '<p id="title-error">minLength validation failed</p>')
      assert.include(shown.text, '<input name="title" value="ab">')
      assert.include(shown.text, '<p class="email-error">email validation failed</p>')
      assert.include(shown.text, '<input name="user[email]" value="not-an-email">')
      assert.include(shown.text, '<input name="user[password]" value="">')
      assert.notInclude(shown.text, 'hunter2')

      const again = await browser.get('/form')
      assert.notInclude(again.text, 'validation failed')
      assert.include(again.text, '<input name="title" value="">')
      assert.isNull(await harness.peekFlash(app, browser))
    })

    test('a JSON request gets a 422 and leaves the flash messages alone', async ({ assert }) => {
      await browser.post('/notice')
      const json = await browser.post('/form', INVALID, { accept: 'application/json' })
      assert.equal(json.status, 422)
      assert.deepEqual(json.json, {
        errors: [
          {
            rule: 'minLength',
            field: 'title',
            message: 'minLength validation failed',
            args: { minLength: 3 },
          },
          { rule: 'email', field: 'user.email', message: 'email validation failed' },
          {
            rule: 'minLength',
            field: 'user.password',
            message: 'minLength validation failed',
            args: { minLength: 8 },
          },
        ],
      })
      assert.deepEqual(await harness.peekFlash(app, browser), { notice: 'Saved' })

      const page = await browser.get('/form')
      assert.include(page.text, '<p id="notice">Saved</p>')
      const after = await browser.get('/form')
      assert.include(after.text, '<p id="no-notice">no notice</p>')
    })

    test('a prefetch shows the flash messages and leaves them for the navigation', async ({
      assert,
    }) => {
      await browser.post('/notice')
      const prefetch = await browser.get('/form', { 'sec-purpose': 'prefetch;prerender' })
      assert.include(prefetch.text, '<p id="notice">Saved</p>')
      assert.deepEqual(await harness.peekFlash(app, browser), { notice: 'Saved' })

      const legacy = await browser.get('/form', { purpose: 'prefetch' })
      assert.include(legacy.text, '<p id="notice">Saved</p>')

      const navigation = await browser.get('/form')
      assert.include(navigation.text, '<p id="notice">Saved</p>')
      const after = await browser.get('/form')
      assert.include(after.text, '<p id="no-notice">no notice</p>')
    })
  })
}
