/*
 * @adonisjs/session
 *
 * Redis stopped mid-traffic: requests fail fast with E_SESSION_STORE_UNAVAILABLE
 * (503), nothing already stored is lost or overwritten, and the app recovers
 * on its own once Redis is back. Runs against a redis-server this spec starts
 * on its own port.
 */

import { test } from '@japa/runner'
import Redis from 'ioredis'
import { ensureDir, remove } from 'fs-extra'
import { tmpPath, TestApp, REDIS_DB } from './helpers/app'
import { redisAppOn } from './helpers/redis'
import { Browser, BrowserResponse, errorMessage } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'
import { RedisServer, bounded, freePort } from './helpers/redis_server'

const JSON_HEADERS = { accept: 'application/json' }
const FAIL_FAST_MS = 2000
const STORE_TIMEOUT_MS = 1500

/**
 * The message a request gets when Redis on `port` does not answer in time;
 * `state` is the connection's status when it was not ready
 */
function noAnswer(port: number, state?: string) {
  const waiting = state ? `, the connection is ${state}` : ''
  return `E_SESSION_STORE_UNAVAILABLE: Session store (redis driver) is unavailable: Redis at 127.0.0.1:${port} (connection "local") did not answer within storeTimeout (${STORE_TIMEOUT_MS}ms${waiting}). Check that this Redis server is running and reachable, or raise "storeTimeout" inside "config/session" file`
}

/**
 * The message a write gets when Redis on `port` does not answer it in time
 */
function writeUnknown(port: number) {
  return `E_SESSION_STORE_UNAVAILABLE: Session store (redis driver) is unavailable: Redis at 127.0.0.1:${port} (connection "local") did not answer the session write within storeTimeout (${STORE_TIMEOUT_MS}ms): the write may have been applied, and will not be applied later. Check that this Redis server is running and reachable, or raise "storeTimeout" inside "config/session" file`
}

/**
 * A request held inside its handler (session read, nothing written yet)
 * until the test releases it
 */
class HeldRequest {
  public reached!: Promise<void>
  public release!: () => void
  private onReached!: () => void
  private released!: Promise<void>

  constructor() {
    this.reached = new Promise((resolve) => (this.onReached = resolve))
    this.released = new Promise((resolve) => (this.release = resolve))
  }

  public async hold() {
    this.onReached()
    await this.released
  }
}

test.group('redis driver: Redis stopped mid-traffic', (group) => {
  let server: RedisServer
  let dataDir: string
  let app: TestApp
  let browser: Browser
  let direct: Redis
  let held: HeldRequest | null = null

  group.setup(async () => {
    dataDir = tmpPath('redis-outage')
    await ensureDir(dataDir)
    server = new RedisServer(await freePort(), [
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--dir',
      dataDir,
    ])
    await server.start()
    return async () => {
      await server.stop('SIGKILL')
      await remove(dataDir)
    }
  })

  group.each.setup(async () => {
    if (!server.pid) {
      await server.start()
    }
    app = await redisAppOn(server.port)
    /**
     * Errors rendered as apps render them, by app/Exceptions/Handler.ts
     */
    const HttpExceptionHandler = app.app.container.use('Adonis/Core/HttpExceptionHandler')
    const handler = new (class ExceptionHandler extends HttpExceptionHandler {})(app.app.logger)
    app.app.container
      .use('Adonis/Core/Server')
      .errorHandler((error, ctx) => handler.handle(error, ctx))
    defineSessionRoutes(app.Route)
    app.Route.post('/held-put', async ({ session, request }) => {
      await held!.hold()
      for (const [key, value] of Object.entries(request.body())) {
        session.put(key, value)
      }
      return session.all()
    })
    browser = new Browser(await app.listen())
    direct = new Redis({ host: '127.0.0.1', port: server.port, db: REDIS_DB })
    direct.on('error', () => {})

    return async () => {
      held?.release()
      held = null
      server.thaw()
      if (!server.pid) {
        await server.start()
      }
      direct.disconnect()
      await closeApp(app)
    }
  })

  /**
   * Close the app; a connection that cannot quit (Redis gone) is dropped
   */
  async function closeApp(testApp: TestApp) {
    try {
      await bounded(testApp.close(), 5000, 'closing the app')
    } catch {
      testApp.app.container.use('Adonis/Addons/Redis').connection('local').disconnect()
    }
  }

  /**
   * The app's own connection to Redis
   */
  function appConnection() {
    return app.app.container.use('Adonis/Addons/Redis').connection('local').ioConnection
  }

  /**
   * Wait until the app's connection is back by itself (ioredis retries
   * with a growing delay of up to 2s); the app is not restarted
   */
  async function appReconnected() {
    const io = appConnection()
    if (io.status !== 'ready') {
      await bounded(new Promise((resolve) => io.once('ready', resolve)), 10000, 'reconnecting')
    }
  }

  async function timed(request: Promise<BrowserResponse>) {
    const startedAt = Date.now()
    const response = await request
    return { response, elapsed: Date.now() - startedAt }
  }

  async function stored(id: string) {
    const raw = await direct.get(id)
    return raw ? JSON.parse(raw).message : null
  }

  /**
   * A session holding `{ cart: 'kept' }`; resolves with its id
   */
  async function keptSession() {
    await browser.post('/put', { cart: 'kept' })
    return (await browser.get('/all')).json.id as string
  }

  /**
   * A write that has read the session and is about to commit when Redis
   * freezes; resolves with its timed response
   */
  async function writeIntoFrozenRedis() {
    held = new HeldRequest()
    const pending = timed(browser.clone().post('/held-put', { cart: 'overwritten' }, JSON_HEADERS))
    await held.reached
    server.freeze()
    held.release()
    return pending
  }

  /**
   * The session reads back as `{ cart: 'kept' }`, over HTTP and in Redis;
   * resolves with the response
   */
  async function assertKept(assert: any, id: string) {
    const after = await browser.get('/all', JSON_HEADERS)
    assert.equal(after.status, 200, after.text)
    assert.deepEqual(after.json.values, { cart: 'kept' })
    assert.deepEqual(await stored(id), { cart: 'kept' })
    return after
  }

  function assertUnavailable(
    assert: any,
    { response, elapsed }: { response: BrowserResponse; elapsed: number },
    expected: string | RegExp
  ) {
    assert.equal(response.status, 503, response.text)
    assert.isBelow(elapsed, FAIL_FAST_MS)
    if (typeof expected === 'string') {
      assert.equal(errorMessage(response), expected)
    } else {
      assert.match(errorMessage(response), expected)
    }
  }

  test('requests fail fast while Redis is stopped and work again once it restarts', async ({
    assert,
  }) => {
    const id = await keptSession()
    await server.stop('SIGTERM')

    /**
     * The connection is reconnecting (or connecting) during the outage
     */
    const whileDown = new RegExp(
      `^${escape(noAnswer(server.port, 'STATE')).replace(
        'STATE',
        '(reconnecting|connecting|close)'
      )}$`
    )

    const read = await timed(browser.get('/all', JSON_HEADERS))
    assertUnavailable(assert, read, whileDown)

    const write = await timed(browser.post('/put', { cart: 'overwritten' }, JSON_HEADERS))
    assertUnavailable(assert, write, whileDown)

    /**
     * A new session has nothing to read: its first command is the write's
     */
    const newcomer = new Browser(browser.baseUrl)
    const fresh = await timed(newcomer.get('/increment/visits', JSON_HEADERS))
    assertUnavailable(assert, fresh, whileDown)

    await server.start()
    await appReconnected()

    const after = await assertKept(assert, id)
    assert.deepEqual(after.json, { id, fresh: false, values: { cart: 'kept' } })

    await browser.post('/put', { cart: 'updated' })
    assert.deepEqual((await browser.get('/all')).json.values, { cart: 'updated' })
    assert.equal((await newcomer.get('/increment/visits')).status, 200)
  }).timeout(45000)

  test('a burst of requests waiting for the connection adds one listener and no warning', async ({
    assert,
  }) => {
    await keptSession()
    const io = appConnection()
    const listeners = io.listenerCount('ready')
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`)
    process.on('warning', onWarning)
    try {
      await server.stop('SIGTERM')
      await bounded(
        (async () => {
          while (io.status === 'ready') {
            await new Promise((resolve) => setTimeout(resolve, 10))
          }
        })(),
        5000,
        'the connection noticing Redis stopped'
      )

      const burst = Array.from({ length: 25 }, () => browser.get('/all', JSON_HEADERS))
      await new Promise((resolve) => setTimeout(resolve, 300))
      assert.equal(io.listenerCount('ready'), listeners + 1)

      const responses = await Promise.all(burst)
      assert.deepEqual(
        responses.map((response) => response.status),
        responses.map(() => 503)
      )
      await new Promise((resolve) => setImmediate(resolve))
      assert.deepEqual(warnings, [])

      await server.start()
      await appReconnected()
      assert.equal(io.listenerCount('ready'), listeners)
      assert.deepEqual((await browser.get('/all')).json.values, { cart: 'kept' })
    } finally {
      process.removeListener('warning', onWarning)
    }
  }).timeout(30000)

  test('requests fail fast while Redis hangs and work again once it answers', async ({
    assert,
  }) => {
    const id = await keptSession()
    server.freeze()

    try {
      const read = await timed(browser.get('/all', JSON_HEADERS))
      assertUnavailable(assert, read, noAnswer(server.port))
      const write = await timed(browser.post('/put', { cart: 'overwritten' }, JSON_HEADERS))
      assertUnavailable(assert, write, noAnswer(server.port))
    } finally {
      server.thaw()
    }

    const after = await assertKept(assert, id)
    assert.deepEqual(after.json, { id, fresh: false, values: { cart: 'kept' } })
  }).timeout(45000)

  test('a write that answered 503 does not land once a hung Redis answers again', async ({
    assert,
  }) => {
    const id = await keptSession()
    try {
      const write = await writeIntoFrozenRedis()
      assertUnavailable(assert, write, writeUnknown(server.port))
    } finally {
      server.thaw()
    }

    /**
     * Redis answers in order: once this read is answered, the write sent
     * before it has been dealt with
     */
    await assertKept(assert, id)
  }).timeout(45000)

  test('a write that answered 503 is not replayed after Redis restarts', async ({ assert }) => {
    const id = await keptSession()
    const write = await writeIntoFrozenRedis()
    assertUnavailable(assert, write, writeUnknown(server.port))

    /**
     * The write is still unanswered in ioredis' queue when the server dies;
     * ioredis resends such commands once it reconnects
     */
    await server.stop('SIGKILL')
    await server.start()
    await appReconnected()

    await assertKept(assert, id)
  }).timeout(45000)
})

function escape(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
