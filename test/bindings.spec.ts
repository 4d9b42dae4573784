/*
 * @adonisjs/session
 *
 * The Japa api-client helpers, used as an app's tests use them, against
 * every driver, built-in or added with Session.extend()
 */

import { test } from '@japa/runner'
import { Assert } from '@japa/assert'
import { ApiClient } from '@japa/api-client'
import { remove } from 'fs-extra'
import type { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import type { ExtendCallback, SessionDriverContract } from '@ioc:Adonis/Addons/Session'
import type { Application } from '@adonisjs/core/build/standalone'
import { setupApp, TestApp, tmpPath, SESSION_DEFAULTS, AppOptions } from './helpers/app'
import { redisConnections } from './helpers/redis'
import { Browser } from './helpers/browser'
import { recording, DriverCall } from './helpers/recording'
import { FileDriver } from '../src/Drivers/File'
import { FileWorkerClient } from '../src/Drivers/File/WorkerClient'
import { UpdateBatches } from '../src/Drivers/Shared/batching'
import { MemoryDriver } from '../src/Drivers/Memory'

const base = SESSION_DEFAULTS

/**
 * The driver of the docs' "Extending from outside in": a module-level map
 * that keeps the very objects it is given, registered as `memory`
 */
const DOCS_SESSIONS: Map<string, Record<string, any>> = new Map()
class DocsMemoryDriver implements SessionDriverContract {
  public async read(sessionId: string) {
    return DOCS_SESSIONS.get(sessionId) || null
  }
  public async write(sessionId: string, values: Record<string, any>) {
    DOCS_SESSIONS.set(sessionId, values)
  }
  public async destroy(sessionId: string) {
    DOCS_SESSIONS.delete(sessionId)
  }
  public async touch() {}
}

function extendWith(name: string, callback: ExtendCallback) {
  return (app: Application) => app.container.use('Adonis/Addons/Session').extend(name, callback)
}

/**
 * What the context-reading extension saw: the contexts its callback got and
 * the calls its drivers received
 */
const contextDriver = {
  location: tmpPath('ctx-sessions'),
  contexts: [] as HttpContextContract[],
  calls: [] as DriverCall[],
  runtime: fileRuntime(),
}

/**
 * The worker and batches a file driver built by hand needs; a closed worker
 * runs no more jobs, so every group that closes one gets a new one
 */
function fileRuntime() {
  return { worker: new FileWorkerClient(), batches: new UpdateBatches() }
}

async function closeContextDriver() {
  await contextDriver.runtime.worker.close()
  contextDriver.runtime = fileRuntime()
  await remove(contextDriver.location)
}

const drivers: Record<string, [Record<string, any>, AppOptions]> = {
  'memory': [{ driver: 'memory' }, {}],
  'cookie': [{ driver: 'cookie' }, {}],
  'file': [{ driver: 'file', file: { location: tmpPath('sessions') } }, {}],
  'redis': [
    { driver: 'redis', redisConnection: 'local' },
    { providers: ['@adonisjs/redis'], redis: redisConnections },
  ],
  'extension replacing memory (the docs example)': [
    { driver: 'memory' },
    { beforeBoot: extendWith('memory', () => new DocsMemoryDriver()) },
  ],
  'extension reading its context': [
    { driver: 'contextual' },
    {
      beforeBoot: extendWith('contextual', (manager: any, _, ctx) => {
        contextDriver.contexts.push(ctx)
        const { ageMs, refreshAfterMs } = manager.config as any
        const options = { location: contextDriver.location, ageMs, refreshAfterMs }
        const driver = new FileDriver(options, contextDriver.runtime, ctx.logger)
        return recording(driver, contextDriver.calls)
      }),
    },
  ],
}

async function setupHelpersApp(config: Record<string, any>, options: AppOptions) {
  ApiClient.clearRequestHandlers()
  const app = await setupApp(
    { ...base, ...config },
    {
      ...options,
      environment: 'test',
      providers: [...(options.providers || []), '@japa/preset-adonis/TestsProvider'],
    }
  )
  app.Route.post('/cart', ({ session }) => {
    session.increment('cart')
    return session.all()
  })
  app.Route.post('/checkout', ({ session }) => {
    session.forget('cart')
    session.flash('success', 'Order placed')
    return 'ok'
  })
  app.Route.get('/notice', ({ session }) => session.flashMessages.get('notice', 'none'))
  return app
}

/**
 * The lines `fn` prints with console.log
 */
function printed(fn: () => void): string[] {
  const lines: string[] = []
  const log = console.log
  console.log = (line: string) => lines.push(line)
  try {
    fn()
  } finally {
    console.log = log
  }
  return lines
}

for (const [name, [config, options]] of Object.entries(drivers)) {
  test.group(`japa api-client helpers: ${name} driver`, (group) => {
    let app: TestApp
    let client: ApiClient

    group.each.setup(async () => {
      app = await setupHelpersApp(config, options)
      client = new ApiClient(await app.listen(), new Assert())
      return () => app.close()
    })
    group.teardown(closeContextDriver)

    test('request.session sends values and response.assertSession reads them back', async ({
      assert,
    }) => {
      const response = await client.post('/cart').session({ cart: 2, user: { id: 1 } })
      assert.deepEqual(response.body(), { cart: 3, user: { id: 1 } })
      response.assertSession('cart', 3)
      response.assertSession('user', { id: 1 })
      response.assertSessionMissing('coupon')
      assert.deepEqual(response.session(), { cart: 3, user: { id: 1 } })
    })

    test('flash messages go both ways', async ({ assert }) => {
      const sent = await client.get('/notice').flashMessages({ notice: 'Welcome' })
      assert.equal(sent.text(), 'Welcome')
      sent.assertFlashMissing('notice')

      const set = await client.post('/checkout').session({ cart: 3 })
      set.assertFlashMessage('success', 'Order placed')
      set.assertSessionMissing('cart')
      assert.deepEqual(set.flashMessages(), { success: 'Order placed' })
    })

    test('dumpSession prints the session and the flash messages', async ({ assert }) => {
      const response = await client.post('/checkout').session({ cart: 3, coupon: 'X' })
      const lines = printed(() => {
        assert.strictEqual(response.dumpSession({ colors: false }), response)
      })
      assert.deepEqual(lines, [
        `"session"        => { coupon: 'X' }`,
        `"flashMessages"  => { success: 'Order placed' }`,
      ])
    })

    test('failing assertions fail', async ({ assert }) => {
      const response = await client.post('/cart').session({ cart: 1 })
      assert.throws(() => response.assertSession('cart', 5))
      assert.throws(() => response.assertSessionMissing('cart'))
      assert.throws(() => response.assertFlashMessage('success'))
      const flashed = await client.post('/checkout')
      assert.throws(() => flashed.assertFlashMissing('success'))
      assert.throws(() => flashed.assertFlashMessage('success', 'Order cancelled'))
    })

    test('prototype keys in helper values do not pollute Object.prototype', async ({ assert }) => {
      const hostile = JSON.parse('{"__proto__": {"polluted": true}, "cart": 1}')
      const response = await client.post('/cart').session(hostile).flashMessages(hostile)
      response.assertSession('cart', 2)
      assert.isUndefined(({} as any).polluted)
    })
  })
}

test.group('japa api-client helpers: the driver an extension returns', (group) => {
  let app: TestApp
  let client: ApiClient
  group.each.teardown(() => app.close())
  group.teardown(closeContextDriver)

  test('the docs example extension holds the session the test sends, the built-in does not', async ({
    assert,
  }) => {
    app = await setupHelpersApp(...drivers['extension replacing memory (the docs example)'])
    app.Route.get('/where', ({ session }) => ({
      docs: DOCS_SESSIONS.has(session.sessionId),
      builtIn: MemoryDriver.sessions.has(session.sessionId),
    }))
    client = new ApiClient(await app.listen(), new Assert())
    const response = await client.get('/where').session({ cart: 1 })
    assert.deepEqual(response.body(), { docs: true, builtIn: false })
    response.assertSession('cart', 1)
  })

  test('the callback gets a real HTTP context of the test request', async ({ assert }) => {
    app = await setupHelpersApp(...drivers['extension reading its context'])
    client = new ApiClient(await app.listen(), new Assert())
    contextDriver.contexts.length = 0
    contextDriver.calls.length = 0

    const response = await client.post('/cart?from=test').session({ cart: 4 })
    response.assertSession('cart', 5)

    const [testCtx, serverCtx] = contextDriver.contexts
    assert.lengthOf(contextDriver.contexts, 2)
    assert.equal(testCtx.request.method(), 'POST')
    assert.equal(testCtx.request.url(true), '/cart?from=test')
    assert.equal(testCtx.request.host(), new URL(app.url).host)
    assert.notStrictEqual(testCtx, serverCtx)
    assert.equal(serverCtx.request.url(), '/cart')
    assert.deepEqual(
      contextDriver.calls.map(({ method }) => method),
      ['write', 'read', 'update', 'read', 'destroy']
    )
  })

  test('Session.client() without a context gives the callback one for /', async ({ assert }) => {
    app = await setupHelpersApp(...drivers['extension reading its context'])
    app.Route.get('/seen', ({ session }) => session.get('seen'))
    const browser = new Browser(await app.listen())
    contextDriver.contexts.length = 0

    const sessionClient = app.manager.client()
    sessionClient.set('seen', 'yes')
    const { cookies } = await sessionClient.commit()
    assert.equal(contextDriver.contexts[0].request.url(), '/')

    for (const [cookieName, value] of Object.entries(cookies)) {
      browser.cookies.set(cookieName, value)
    }
    assert.equal((await browser.get('/seen')).text, 'yes')
    await sessionClient.forget()
  })
})
