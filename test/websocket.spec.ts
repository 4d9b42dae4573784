/*
 * @adonisjs/session
 *
 * Session.readonly(request): the session of WebSocket connections, over
 * real `ws` connections to a real v5 server, on every built-in driver
 */

import { join } from 'path'
import { promises as fs } from 'fs'
import { Group, test } from '@japa/runner'
import { Encryption } from '@adonisjs/core/build/standalone'
import { APP_KEY, SESSION_DEFAULTS, TestApp, setupApp, tmpPath } from './helpers/app'
import { Browser } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'
import { DriverCall, recordDriverCalls } from './helpers/recording'
import { redisClient, redisConnections } from './helpers/redis'
import { TestDatabase } from './helpers/database'
import { SocketServer, connect, listenWithSockets, refusedWith } from './helpers/sockets'
import { MemoryDriver } from '../src/Drivers/Memory'

const READONLY = 'E_RUNTIME_EXCEPTION: Session store is in readonly mode and cannot be mutated'
const MINUTE = 60_000

type Harness = {
  setup(): Promise<TestApp>
  /**
   * What the store holds for the session, expiry included
   */
  state(app: TestApp, id: string, browser: Browser): Promise<unknown>
  /**
   * Move the stored expiry back by half an hour, past `refreshAfter`, so
   * that anything refreshing it shows; absent where the browser holds it
   */
  age?(app: TestApp, id: string): Promise<void>
  /**
   * Let the stored session expire
   */
  expire(app: TestApp, id: string, browser: Browser): Promise<void>
}

const encryption = new Encryption({ secret: APP_KEY })
const redis = redisClient()
const database = new TestDatabase('pg')
let migrated: Promise<void> | null = null

/**
 * The first database app creates the table
 */
async function databaseApp() {
  migrated = migrated || database.openMigrated()
  await migrated
  return database.app()
}

const rowOf = (id: string) => database.knex(database.table).where('id', id)

const harnesses: Record<string, Harness> = {
  cookie: {
    setup: () => setupApp({ ...SESSION_DEFAULTS, driver: 'cookie' }),
    state: async (_, id, browser) => browser.cookies.get(id),
    async expire(_, id, browser) {
      const values = encryption.decrypt<any>(browser.cookies.get(id)!.slice(2), id)
      const replayed = { ...values, __expires_at__: Date.now() - 1000 }
      browser.cookies.set(id, `e:${encryption.encrypt(replayed, undefined, id)}`)
    },
  },
  file: {
    setup: () =>
      setupApp({ ...SESSION_DEFAULTS, driver: 'file', file: { location: tmpPath('sessions') } }),
    async state(app, id) {
      const path = join(app.manager.config.file!.location, `${id}.txt`)
      return { content: await fs.readFile(path, 'utf-8'), mtime: (await fs.stat(path)).mtimeMs }
    },
    async age(app, id) {
      const past = new Date(Date.now() - 30 * MINUTE)
      await fs.utimes(join(app.manager.config.file!.location, `${id}.txt`), past, past)
    },
    async expire(app, id) {
      const past = new Date(Date.now() - 3 * 60 * MINUTE)
      await fs.utimes(join(app.manager.config.file!.location, `${id}.txt`), past, past)
    },
  },
  redis: {
    setup: () =>
      setupApp(
        { ...SESSION_DEFAULTS, driver: 'redis', redisConnection: 'local' },
        { providers: ['@adonisjs/redis'], redis: redisConnections }
      ),
    state: async (_, id) => ({ payload: await redis.get(id), ttl: await redis.ttl(id) }),
    async age(_, id) {
      await redis.expire(id, 100)
    },
    async expire(_, id) {
      await redis.pexpire(id, 1)
      while (await redis.exists(id)) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    },
  },
  database: {
    setup: databaseApp,
    state: async (_, id) => ({ ...(await rowOf(id).first()) }),
    async age(_, id) {
      await rowOf(id).decrement('expires_at', 30 * MINUTE)
    },
    async expire(_, id) {
      await rowOf(id).update({ expires_at: Date.now() - 1 })
    },
  },
  memory: {
    setup: () => setupApp({ ...SESSION_DEFAULTS, driver: 'memory' }),
    state: async (_, id) => ({ ...MemoryDriver.sessions.get(id) }),
    async age(_, id) {
      MemoryDriver.sessions.get(id)!.expiresAt -= 30 * MINUTE
    },
    async expire(_, id) {
      MemoryDriver.sessions.get(id)!.expiresAt = Date.now() - 1
    },
  },
}

/**
 * A browser whose session holds a cart and a user, with a flash message
 * waiting for its next HTTP request
 */
async function signedInBrowser(app: TestApp) {
  const browser = new Browser(app.url)
  await browser.post('/put', { cart: 3, user: { name: 'virk' } })
  await browser.post('/flash', { notice: 'saved' })
  const id = browser.cookies.get('adonis-session')!
  return { browser, id: app.manager.cookies.unsignValue(id)! }
}

function tamper(value: string) {
  const last = value.slice(-1)
  return `${value.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`
}

/**
 * Each test of the group gets a new app from `setup`, with the session
 * routes and a socket server, closed after it
 */
function eachSocketApp(group: Group, setup: () => Promise<TestApp>) {
  const served = {} as { app: TestApp; sockets: SocketServer }
  group.each.setup(async () => {
    served.app = await setup()
    defineSessionRoutes(served.app.Route)
    const { sockets, close } = await listenWithSockets(served.app)
    served.sockets = sockets
    return close
  })
  return served
}

for (const [driver, harness] of Object.entries(harnesses)) {
  test.group(`Session.readonly over WebSocket: ${driver} driver`, (group) => {
    const served = eachSocketApp(group, harness.setup)

    if (driver === 'redis') {
      group.teardown(() => redis.quit().then(() => {}))
    }
    if (driver === 'database') {
      group.teardown(() => database.close())
    }

    test('the session values and flash messages reach the socket', async ({ assert }) => {
      const { browser, id } = await signedInBrowser(served.app)
      const client = await connect(served.app.url, '/socket', browser.cookieHeader())
      client.ws.close()

      assert.deepEqual(client.first, {
        id,
        fresh: false,
        values: { cart: 3, user: { name: 'virk' } },
        flash: { notice: 'saved' },
      })
    })

    test('a connection writes nothing, leaves the expiry alone and sends no cookie', async ({
      assert,
    }) => {
      const { browser, id } = await signedInBrowser(served.app)
      await harness.age?.(served.app, id)
      const before = await harness.state(served.app, id, browser)
      const calls: DriverCall[] = []
      recordDriverCalls(served.app.manager, calls)

      const client = await connect(served.app.url, '/socket', browser.cookieHeader())
      await client.read()
      client.ws.close()

      assert.deepEqual(await harness.state(served.app, id, browser), before)
      assert.isUndefined(client.headers['set-cookie'])
      const method = driver === 'redis' || driver === 'database' ? 'peek' : 'read'
      assert.deepEqual(calls, [
        { method, id },
        { method, id },
      ])

      /**
       * The same check sees what an HTTP request that changes nothing does
       */
      if (harness.age) {
        await browser.get('/noop')
        assert.notDeepEqual(await harness.state(served.app, id, browser), before)
      }
    })

    test('a connection consumes no flash message', async ({ assert }) => {
      const { browser } = await signedInBrowser(served.app)
      const client = await connect(served.app.url, '/socket', browser.cookieHeader())
      assert.deepEqual((await client.read()).flash, { notice: 'saved' })
      client.ws.close()

      const response = await browser.get('/flash-messages')
      assert.deepEqual(response.json.all, { notice: 'saved' })
      const after = await connect(served.app.url, '/socket', browser.cookieHeader())
      after.ws.close()
      assert.deepEqual(after.first.flash, {})
    })

    test('a change made over HTTP after the socket connected is seen by the next read', async ({
      assert,
    }) => {
      const { browser } = await signedInBrowser(served.app)
      const client = await connect(served.app.url, '/socket', browser.cookieHeader())
      await browser.post('/put', { cart: 4 })
      const reread = await client.read()
      client.ws.close()

      if (driver === 'cookie') {
        /**
         * The values travel in the cookies of the upgrade request: only a
         * new connection carries the new ones
         */
        assert.equal(reread.values.cart, 3)
        const next = await connect(served.app.url, '/socket', browser.cookieHeader())
        next.ws.close()
        assert.equal(next.first.values.cart, 4)
      } else {
        assert.equal(reread.values.cart, 4)
      }
    })

    test('a tampered id cookie gets an empty fresh session', async ({ assert }) => {
      const { browser, id } = await signedInBrowser(served.app)
      browser.cookies.set('adonis-session', tamper(browser.cookies.get('adonis-session')!))
      const client = await connect(served.app.url, '/socket', browser.cookieHeader())
      client.ws.close()

      assert.isTrue(client.first.fresh)
      assert.notEqual(client.first.id, id)
      assert.deepEqual(client.first.values, {})
      assert.deepEqual(client.first.flash, {})
    })

    test('an expired session reads as empty', async ({ assert }) => {
      const { browser, id } = await signedInBrowser(served.app)
      await harness.expire(served.app, id, browser)
      const client = await connect(served.app.url, '/socket', browser.cookieHeader())
      client.ws.close()

      assert.equal(client.first.id, id)
      assert.deepEqual(client.first.values, {})
      assert.deepEqual(client.first.flash, {})
    })

    test('an upgrade is refused without a user and accepted with one', async ({ assert }) => {
      const browser = new Browser(served.app.url)
      await browser.post('/put', { cart: 1 })
      assert.equal(await refusedWith(served.app.url, '/private', browser.cookieHeader()), 401)

      await browser.post('/put', { auth_web: 42 })
      const client = await connect(served.app.url, '/private', browser.cookieHeader())
      client.ws.close()
      assert.equal(client.first.values.auth_web, 42)
    })
  })
}

test.group('Session.readonly: the cookie driver data cookie', (group) => {
  const served = eachSocketApp(group, harnesses.cookie.setup)

  test('a tampered data cookie gets an empty session under the same id', async ({ assert }) => {
    const { browser, id } = await signedInBrowser(served.app)
    browser.cookies.set(id, tamper(browser.cookies.get(id)!))
    const client = await connect(served.app.url, '/socket', browser.cookieHeader())
    client.ws.close()

    assert.deepEqual(client.first, { id, fresh: false, values: {}, flash: {} })
  })

  test('the data cookie of another session is not read', async ({ assert }) => {
    const first = await signedInBrowser(served.app)
    const other = new Browser(served.app.url)
    await other.post('/put', { cart: 9 })
    const otherId = served.app.manager.cookies.unsignValue(other.cookies.get('adonis-session'))!
    first.browser.cookies.set(first.id, other.cookies.get(otherId)!)
    const client = await connect(served.app.url, '/socket', first.browser.cookieHeader())
    client.ws.close()

    assert.deepEqual(client.first.values, {})
  })
})

test.group('Session.readonly: the session object', (group) => {
  const served = eachSocketApp(group, harnesses.memory.setup)

  test('every mutation raises the readonly error', async ({ assert }) => {
    const { browser } = await signedInBrowser(served.app)
    const client = await connect(served.app.url, '/socket', browser.cookieHeader())
    client.ws.close()
    const session: any = served.sockets.sessions[0]

    assert.isTrue(session.readonly)
    assert.isTrue(session.initiated)
    const mutations: Array<[string, any[]]> = [
      ['put', ['cart', 4]],
      ['forget', ['cart']],
      ['pull', ['cart']],
      ['increment', ['cart']],
      ['decrement', ['cart']],
      ['clear', []],
      ['regenerate', []],
      ['flash', ['notice', 'hi']],
      ['flashAll', []],
      ['flashOnly', [['a']]],
      ['flashExcept', [['a']]],
      ['reflash', []],
      ['reflashOnly', [['notice']]],
      ['reflashExcept', [['notice']]],
    ]
    for (const [method, args] of mutations) {
      assert.throws(() => session[method](...args), READONLY)
    }
    for (const method of ['set', 'unset', 'pull', 'increment', 'merge', 'update', 'clear']) {
      assert.throws(() => session.flashMessages[method]('notice', 'x'), READONLY)
    }
    assert.deepEqual(session.all(), { cart: 3, user: { name: 'virk' } })
    assert.isTrue(session.flashMessages.has('notice'))
    assert.equal(session.get('user.name'), 'virk')
    assert.equal(session.get('missing', 'fallback'), 'fallback')
  })

  test('editing a value handed out changes nothing stored', async ({ assert }) => {
    const { browser, id } = await signedInBrowser(served.app)
    const client = await connect(served.app.url, '/socket', browser.cookieHeader())
    client.ws.close()
    served.sockets.sessions[0].get('user').name = 'changed'

    assert.equal(JSON.parse(MemoryDriver.sessions.get(id)!.json).user.name, 'virk')
  })

  test('hostile cookie headers get an empty fresh session, without a store read', async ({
    assert,
  }) => {
    const signedBadId = `s:${encryption.verifier.sign(
      '../../etc/passwd',
      undefined,
      'adonis-session'
    )}`
    const headers = [
      'adonis-session=s:',
      'adonis-session=s:%E0%A4%A',
      'adonis-session=%ZZ; adonis-session=s:x.y',
      `adonis-session=${encodeURIComponent(signedBadId)}`,
      `adonis-session=s:${'a'.repeat(6000)}`,
      '__proto__=1; constructor=2; adonis-session=j:{"__proto__":{}}',
      ';;;=;=;adonis-session',
    ]
    const calls: DriverCall[] = []
    recordDriverCalls(served.app.manager, calls)
    for (const header of headers) {
      const client = await connect(served.app.url, '/socket', header)
      client.ws.close()
      assert.isTrue(client.first.fresh, header)
      assert.deepEqual(client.first.values, {}, header)
    }
    assert.deepEqual(calls, [])
    assert.deepEqual(served.sockets.errors, [])

    const { browser } = await signedInBrowser(served.app)
    const client = await connect(served.app.url, '/socket', browser.cookieHeader())
    client.ws.close()
    assert.equal(client.first.values.cart, 3)
  })

  test('a request without cookies gets an empty fresh session', async ({ assert }) => {
    const client = await connect(served.app.url, '/socket', '')
    client.ws.close()
    assert.isTrue(client.first.fresh)
    assert.match(client.first.id, /^[A-Za-z0-9_-]{32}$/)
    assert.deepEqual(client.first.values, {})
  })

  test('anything but a request is refused with an error saying what to pass', async ({
    assert,
  }) => {
    for (const value of [undefined, null, 'req', {}]) {
      await assert.rejects(
        () => served.app.manager.readonly(value as any),
        'E_RUNTIME_EXCEPTION: Session.readonly() expects the request of an "upgrade" event (an http.IncomingMessage), or socket.request with socket.io'
      )
    }
  })
})

test('Session.readonly: an extension driver gets an HTTP context of the upgrade request', async ({
  assert,
  cleanup,
}) => {
  const stored = new Map<string, Record<string, any>>()
  const seen: Array<{ url: string; cookie: unknown; config: any }> = []
  const app = await setupApp(
    { ...SESSION_DEFAULTS, driver: 'shelf', shelf: { label: 'from config' } },
    {
      beforeBoot(booted) {
        const Session = booted.container.use('Adonis/Addons/Session')
        Session.extend('shelf', (_, config, ctx) => {
          seen.push({
            url: ctx.request.url(true),
            cookie: ctx.request.cookiesList()['adonis-session'],
            config: config.label,
          })
          return {
            read: (id) => stored.get(id) || null,
            write: (id, values) => void stored.set(id, values),
            destroy: (id) => void stored.delete(id),
            touch: () => {},
          }
        })
      },
    }
  )
  defineSessionRoutes(app.Route)
  const { sockets, close } = await listenWithSockets(app)
  cleanup(close)

  const browser = new Browser(app.url)
  await browser.post('/put', { cart: 2 })
  seen.length = 0
  const client = await connect(app.url, '/socket?room=cart', browser.cookieHeader())
  client.ws.close()

  assert.equal(client.first.values.cart, 2)
  assert.deepEqual(seen, [
    {
      url: '/socket?room=cart',
      cookie: browser.cookies.get('adonis-session'),
      config: 'from config',
    },
  ])
})

test('Session.readonly: sessions disabled read no store', async ({ assert, cleanup }) => {
  const app = await setupApp({ ...SESSION_DEFAULTS, enabled: false, driver: 'memory' })
  const { sockets, close } = await listenWithSockets(app)
  cleanup(close)
  const signed = app.manager.cookies.signSessionId('a'.repeat(32))
  MemoryDriver.sessions.set('a'.repeat(32), { json: '{"cart":1}', expiresAt: Date.now() + MINUTE })
  const calls: DriverCall[] = []
  recordDriverCalls(app.manager, calls)

  const client = await connect(app.url, '/socket', `adonis-session=${encodeURIComponent(signed)}`)
  client.ws.close()
  MemoryDriver.sessions.delete('a'.repeat(32))

  assert.deepEqual(client.first, { id: 'a'.repeat(32), fresh: false, values: {}, flash: {} })
  assert.deepEqual(calls, [])
})

test('Session.readonly: Redis refusing connections rejects with E_SESSION_STORE_UNAVAILABLE and the server keeps serving', async ({
  assert,
  cleanup,
}) => {
  const app = await setupApp(
    { ...SESSION_DEFAULTS, driver: 'redis', redisConnection: 'local', storeTimeout: '300ms' },
    {
      providers: ['@adonisjs/redis'],
      redis: { local: { ...redisConnections.local, port: 1 } },
    }
  )
  defineSessionRoutes(app.Route)
  const { sockets, close } = await listenWithSockets(app)
  cleanup(close)
  const cookie = `adonis-session=${encodeURIComponent(
    app.manager.cookies.signSessionId('b'.repeat(32))
  )}`

  assert.equal(await refusedWith(app.url, '/socket', cookie), 503)
  assert.equal(await refusedWith(app.url, '/socket', cookie), 503)
  assert.lengthOf(sockets.errors, 2)
  assert.equal(sockets.errors[0].code, 'E_SESSION_STORE_UNAVAILABLE')
  for (const error of sockets.errors) {
    assert.match(
      error.message,
      /^E_SESSION_STORE_UNAVAILABLE: Session store \(redis driver\) is unavailable: Redis at 127\.0\.0\.1:1 \(connection "local"\) did not answer within storeTimeout \(300ms, the connection is (connecting|reconnecting)\)\. Check that this Redis server is running and reachable, or raise "storeTimeout" inside "config\/session" file$/
    )
  }
  const client = await connect(app.url, '/socket', '')
  client.ws.close()
  assert.isTrue(client.first.fresh)
})
