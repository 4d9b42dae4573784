/*
 * @adonisjs/session
 *
 * Absolute lifetime, APP_KEY rotation, encryption at rest, Vary: Cookie,
 * partitioned and priority cookies, and the session events, through real
 * HTTP round trips on real stores
 */

import { test } from '@japa/runner'
import { join } from 'path'
import { promises as fs } from 'fs'
import { remove } from 'fs-extra'
import { setupApp, tmpPath, SESSION_DEFAULTS, TestApp, AppOptions } from './helpers/app'
import { Browser } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'
import { redisClient, redisConnections } from './helpers/redis'
import { TestDatabase } from './helpers/database'
import { resolveConfig } from '../src/SessionManager/config'

const OLD_KEY = 'the-old-app-key-of-this-application'
const NEW_KEY = 'the-new-app-key-after-the-rotation'

type Driver = 'memory' | 'cookie' | 'file' | 'redis' | 'database'

/**
 * The session table of the database driver's cases (PostgreSQL), one per
 * group that uses it
 */
let database: TestDatabase

/**
 * Give the group a migrated session table of its own, dropped after it
 */
function withDatabase(group: { setup(handler: () => any): void }) {
  group.setup(async () => {
    database = new TestDatabase('pg')
    await database.openMigrated()
    return () => database.close()
  })
}

/**
 * Boot an app on `driver` with the session routes; file apps share
 * `location`, so that two apps in a row see the same store
 */
async function boot(
  driver: Driver,
  config: Record<string, any> = {},
  options: AppOptions & { location?: string; routes?: (app: TestApp) => void } = {}
): Promise<TestApp> {
  const session: Record<string, any> = { ...SESSION_DEFAULTS, driver, ...config }
  const appOptions: AppOptions = { ...options }
  if (driver === 'file') {
    session.file = { location: options.location || tmpPath('sessions') }
  }
  if (driver === 'redis') {
    session.redisConnection = 'local'
    appOptions.providers = ['@adonisjs/redis', ...(options.providers || [])]
    appOptions.redis = redisConnections
  }
  if (driver === 'database') {
    session.database = { table: database.table }
    appOptions.providers = ['@adonisjs/lucid', ...(options.providers || [])]
    appOptions.files = { 'config/database.js': database.databaseConfig() }
  }
  const app = await setupApp(session, appOptions)
  defineSessionRoutes(app.Route)
  options.routes?.(app)
  await app.listen()
  return app
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Wait (at most 1 s) until `check` holds: event listeners run after the
 * response is sent
 */
async function until(check: () => boolean) {
  const deadline = Date.now() + 1000
  while (!check() && Date.now() < deadline) {
    await sleep(5)
  }
}

async function storedRaw(app: TestApp, driver: Driver, id: string): Promise<string | null> {
  if (driver === 'file') {
    const location = app.manager.config.file!.location
    return fs.readFile(join(location, `${id}.txt`), 'utf-8').catch(() => null)
  }
  if (driver === 'database') {
    const row = await database.knex(database.table).where('id', id).first()
    return row ? row.payload : null
  }
  const client = redisClient()
  try {
    return await client.get(id)
  } finally {
    client.disconnect()
  }
}

/**
 * Replace the clock of the app's `maxLifetime`, to move it on without
 * sleeping
 */
function fakeClock(app: TestApp) {
  let offset = 0
  ;(app.manager as any).lifetimes.now = () => Date.now() + offset
  return { advance: (ms: number) => (offset += ms) }
}

const MINUTE = 60_000

test.group('maxLifetime', (group) => {
  withDatabase(group)
  const apps: TestApp[] = []
  group.each.teardown(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()))
  })

  for (const driver of ['memory', 'cookie', 'file', 'redis', 'database'] as Driver[]) {
    test(`${driver}: a session kept active by requests ends after maxLifetime`, async ({
      assert,
    }) => {
      const app = await boot(driver, { maxLifetime: '1h' })
      apps.push(app)
      const clock = fakeClock(app)
      const browser = new Browser(app.url)
      await browser.post('/put', { user: 'virk' })
      const { id } = (await browser.get('/all')).json
      for (let minutes = 15; minutes < 60; minutes += 15) {
        clock.advance(15 * MINUTE)
        const active = await browser.get('/increment/visits')
        assert.equal(active.json.user, 'virk', `${minutes} minutes`)
        assert.notProperty(active.json, 'createdAt')
      }
      clock.advance(15 * MINUTE)
      const ended = (await browser.get('/all')).json
      assert.deepEqual(ended.values, {})
      assert.isTrue(ended.fresh)
      assert.notEqual(ended.id, id)
      if (driver === 'file' || driver === 'redis' || driver === 'database') {
        assert.isNull(await storedRaw(app, driver, id))
      }
    })
  }

  for (const driver of ['cookie', 'file', 'database'] as Driver[]) {
    test(`${driver}: regenerate keeps the creation time`, async ({ assert }) => {
      const app = await boot(driver, { maxLifetime: '1h' })
      apps.push(app)
      const clock = fakeClock(app)
      const browser = new Browser(app.url)
      await browser.post('/put', { user: 'virk' })
      clock.advance(40 * MINUTE)
      const { id } = (await browser.get('/regenerate')).json
      assert.equal((await browser.get('/get/user')).json.value, 'virk')
      clock.advance(30 * MINUTE)
      const ended = (await browser.get('/all')).json
      assert.deepEqual(ended.values, {})
      assert.notEqual(ended.id, id)
    })
  }

  test('file: the creation time is a payload field, only with maxLifetime', async ({ assert }) => {
    const location = tmpPath('sessions')
    const plain = await boot('file', {}, { location })
    apps.push(plain)
    const browser = new Browser(plain.url)
    await browser.post('/put', { user: 'virk' })
    const { id } = (await browser.get('/all')).json
    assert.notProperty(JSON.parse((await storedRaw(plain, 'file', id))!), 'createdAt')

    const timed = await boot('file', { maxLifetime: '1h' }, { location })
    apps.push(timed)
    const before = Date.now()
    const second = new Browser(timed.url)
    await second.post('/put', { user: 'romain' })
    const stored = JSON.parse((await storedRaw(timed, 'file', (await second.get('/all')).json.id))!)
    assert.deepEqual(stored.message, { user: 'romain' })
    assert.isAtLeast(stored.createdAt, before)
    assert.isAtMost(stored.createdAt, Date.now())
    await remove(location)
  })
})

test.group('APP_KEY rotation', (group) => {
  withDatabase(group)
  const apps: TestApp[] = []
  group.each.teardown(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()))
  })

  /**
   * A session started under OLD_KEY, then the same store served under
   * NEW_KEY with `config`
   */
  async function rotate(driver: Driver, config: Record<string, any>, before = {}) {
    const location = tmpPath('sessions')
    const old = await boot(driver, before, { appKey: OLD_KEY, location })
    const browser = new Browser(old.url)
    await browser.post('/put', { user: 'virk' })
    const { id } = (await browser.get('/all')).json
    await old.close()
    const app = await boot(driver, config, { appKey: NEW_KEY, location })
    apps.push(app)
    browser.baseUrl = app.url
    return { app, browser, id, location }
  }

  for (const driver of ['cookie', 'file', 'redis', 'database'] as Driver[]) {
    test(`${driver}: with the old key listed, sessions survive and are re-signed`, async ({
      assert,
    }) => {
      const { browser, id, location } = await rotate(driver, { previousAppKeys: [OLD_KEY] })
      const survived = await browser.get('/all')
      assert.deepEqual(survived.json, { id, fresh: false, values: { user: 'virk' } })
      await browser.post('/put', { visits: 1 })

      const current = await boot(driver, {}, { appKey: NEW_KEY, location })
      apps.push(current)
      browser.baseUrl = current.url
      assert.deepEqual((await browser.get('/all')).json.values, { user: 'virk', visits: 1 })
      await remove(location)
    })

    test(`${driver}: without the old key, a rotation gives a fresh session`, async ({ assert }) => {
      const { browser, id, location } = await rotate(driver, {})
      const response = await browser.get('/all')
      assert.equal(response.status, 200)
      assert.isTrue(response.json.fresh)
      assert.notEqual(response.json.id, id)
      assert.deepEqual(response.json.values, {})
      await remove(location)
    })
  }

  test('cookie: a data cookie of the old key is re-issued with the new key', async ({ assert }) => {
    const { app, browser, location } = await rotate('cookie', { previousAppKeys: [OLD_KEY] })
    const response = await browser.get('/get/user')
    const data = response.setCookies.filter((cookie) => cookie.name !== 'adonis-session')
    assert.lengthOf(data, 1)
    const id = (await browser.get('/all')).json.id
    assert.deepEqual(app.manager.cookies.decryptValue(id, data[0].value)!.values, { user: 'virk' })
    await remove(location)
  })

  for (const driver of ['file', 'redis', 'database'] as Driver[]) {
    test(`${driver}: encrypted payloads of the old key are read with it listed`, async ({
      assert,
    }) => {
      const { browser, location } = await rotate(
        driver,
        { encrypt: true, previousAppKeys: [OLD_KEY] },
        { encrypt: true }
      )
      assert.deepEqual((await browser.get('/all')).json.values, { user: 'virk' })
      await remove(location)
    })
  }
})

test.group('encryption at rest', (group) => {
  withDatabase(group)
  const apps: TestApp[] = []
  group.each.teardown(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()))
  })

  for (const driver of ['file', 'redis', 'database'] as Driver[]) {
    test(`${driver}: payloads are unreadable in the store and readable by the app`, async ({
      assert,
    }) => {
      const app = await boot(driver, { encrypt: true })
      apps.push(app)
      const browser = new Browser(app.url)
      await browser.post('/put', { card: 'secret-4242' })
      const { id, values } = (await browser.get('/all')).json
      assert.deepEqual(values, { card: 'secret-4242' })
      const raw = (await storedRaw(app, driver, id))!
      assert.notInclude(raw, 'secret-4242')
      assert.notInclude(raw, id)
      assert.isString(JSON.parse(raw).encrypted)
    })

    test(`${driver}: plain payloads of before the switch are read, and encrypted on write`, async ({
      assert,
    }) => {
      const location = tmpPath('sessions')
      const plain = await boot(driver, {}, { location })
      const browser = new Browser(plain.url)
      await browser.post('/put', { card: 'secret-4242' })
      const { id } = (await browser.get('/all')).json
      await plain.close()

      const app = await boot(driver, { encrypt: true }, { location })
      apps.push(app)
      browser.baseUrl = app.url
      assert.deepEqual((await browser.get('/all')).json.values, { card: 'secret-4242' })
      assert.include((await storedRaw(app, driver, id))!, 'secret-4242')
      await browser.post('/put', { visits: 1 })
      assert.notInclude((await storedRaw(app, driver, id))!, 'secret-4242')
      assert.deepEqual((await browser.get('/all')).json.values, { card: 'secret-4242', visits: 1 })
      await remove(location)
    })
  }
})

test.group('Vary: Cookie', (group) => {
  let app: TestApp
  group.each.teardown(() => app?.close())

  const routes = ({ Route }: TestApp) => {
    Route.get('/untouched', () => 'hello')
    Route.get('/write-only', ({ session }) => {
      session.put('seen', true)
      session.increment('visits')
      session.flash('notice', 'saved')
      return 'stored'
    })
    Route.get('/cached-read', ({ session, response }) => {
      response.header('Cache-Control', 'public, max-age=60')
      response.header('Vary', 'Accept-Encoding')
      return { user: session.get('user') }
    })
    Route.get('/flash-read', ({ session }) => ({ empty: session.flashMessages.isEmpty }))
    Route.get('/view', ({ view }) => view.render('page'))
    Route.get('/view-static', ({ view }) => view.render('static'))
  }
  const files = {
    'resources/views/page.edge': '<p>{{ flashMessages.get("notice", "none") }}</p>',
    'resources/views/static.edge': '<p>nothing from the session</p>',
  }

  test('a response that read the session varies with the cookie', async ({ assert }) => {
    app = await boot('cookie', {}, { routes, providers: ['@adonisjs/view'], files })
    const browser = new Browser(app.url)
    await browser.post('/put', { user: 'virk' })
    const vary = async (path: string) => (await browser.get(path)).headers.get('vary')
    assert.equal(await vary('/get/user'), 'Cookie')
    assert.equal(await vary('/has/user'), 'Cookie')
    assert.equal(await vary('/pull/nothing'), 'Cookie')
    assert.equal(await vary('/flash-read'), 'Cookie')
    assert.equal(await vary('/view'), 'Cookie')
    const cached = await browser.get('/cached-read')
    assert.equal(cached.headers.get('vary'), 'Accept-Encoding, Cookie')
    assert.equal(cached.headers.get('cache-control'), 'public, max-age=60')
  })

  test('a response that did not read the session is unchanged', async ({ assert }) => {
    app = await boot('cookie', {}, { routes, providers: ['@adonisjs/view'], files })
    const browser = new Browser(app.url)
    await browser.post('/put', { user: 'virk' })
    for (const path of ['/untouched', '/write-only', '/view-static']) {
      assert.isNull((await browser.get(path)).headers.get('vary'), path)
    }
  })

  test('varyCookie: false leaves every response alone', async ({ assert }) => {
    app = await boot('memory', { varyCookie: false }, { routes })
    const browser = new Browser(app.url)
    await browser.post('/put', { user: 'virk' })
    assert.isNull((await browser.get('/get/user')).headers.get('vary'))
    assert.equal((await browser.get('/cached-read')).headers.get('vary'), 'Accept-Encoding')
  })
})

test.group('partitioned and priority cookies', (group) => {
  let app: TestApp
  group.each.teardown(() => app?.close())

  test('the id and data cookies carry Partitioned and Priority', async ({ assert }) => {
    const cookie = { secure: true, partitioned: true, priority: 'high', sameSite: 'none' }
    app = await boot('cookie', { cookie })
    const browser = new Browser(app.url)
    const response = await browser.post('/put', { user: 'virk' })
    assert.lengthOf(response.setCookies, 2)
    for (const { attributes, raw } of response.setCookies) {
      assert.isTrue(attributes.partitioned, raw)
      assert.equal(attributes.priority, 'High', raw)
      assert.isTrue(attributes.secure, raw)
    }
    const regenerated = await browser.get('/regenerate')
    const cleared = regenerated.setCookies.find((c) => c.attributes['max-age'] === '-1')!
    assert.isTrue(cleared.attributes.partitioned)
  })

  test('partitioned without secure fails at boot', async ({ assert }) => {
    await assert.rejects(
      () => boot('cookie', { cookie: { partitioned: true } }),
      'E_INVALID_SESSION_DRIVER_CONFIG: Invalid "cookie.partitioned" for session inside "config/session" file: browsers only keep a Partitioned cookie that is also Secure, set "cookie.secure" to true'
    )
  })
})

test.group('security config', () => {
  const invalid = (config: Record<string, any>) => () =>
    resolveConfig({ ...SESSION_DEFAULTS, driver: 'memory', ...config } as any)

  test('each option is validated with a coded message', ({ assert }) => {
    const prefix = 'E_INVALID_SESSION_DRIVER_CONFIG: Invalid'
    assert.throws(
      invalid({ cookie: { priority: 'urgent' } }),
      `${prefix} "cookie.priority" for session inside "config/session" file: expected 'low', 'medium' or 'high', got "urgent"`
    )
    assert.throws(
      invalid({ maxLifetime: 'forever' }),
      `${prefix} "maxLifetime" for session inside "config/session" file: expected a duration like '2h' or '2 days', or a number of milliseconds, got "forever"`
    )
    assert.throws(
      invalid({ previousAppKeys: 'key' }),
      `${prefix} "previousAppKeys" for session inside "config/session" file: expected an array of the former APP_KEY values`
    )
    assert.throws(
      invalid({ previousAppKeys: [OLD_KEY, 'short'] }),
      `${prefix} "previousAppKeys" for session inside "config/session" file: the key at index 1 is shorter than 16 characters, the length the framework requires of APP_KEY`
    )
    assert.throws(
      invalid({ encrypt: 'yes' }),
      `${prefix} "encrypt" for session inside "config/session" file: expected true or false`
    )
  })

  test('defaults: every feature that changes behaviour is off', ({ assert }) => {
    const config = resolveConfig({ ...SESSION_DEFAULTS, driver: 'memory' } as any)
    assert.isNull(config.maxLifetimeMs)
    assert.deepEqual(config.previousAppKeys, [])
    assert.isFalse(config.encrypt)
    assert.isTrue(config.varyCookie)
    assert.notProperty(config.cookieOptions, 'partitioned')
    assert.notProperty(config.cookieOptions, 'priority')
    const fromEnv = resolveConfig({ ...SESSION_DEFAULTS, driver: 'memory', previousAppKeys: [''] })
    assert.deepEqual(fromEnv.previousAppKeys, [])
  })
})

test.group('session events', (group) => {
  let app: TestApp
  group.each.teardown(() => app?.close())

  test('each event with its payload', async ({ assert }) => {
    app = await boot('memory', { maxLifetime: '1h' })
    const clock = fakeClock(app)
    const Event = app.app.container.use('Adonis/Core/Event')
    const seen: Array<[string, any]> = []
    for (const name of [
      'session:initiated',
      'session:committed',
      'session:migrated',
      'session:destroyed',
    ] as const) {
      Event.on(name, ({ ctx, ...data }: any) => {
        assert.equal(typeof ctx.request.url, 'function')
        seen.push([name, data])
      })
    }
    const take = async (count: number) => {
      await until(() => seen.length >= count)
      return seen.splice(0)
    }

    const browser = new Browser(app.url)
    await browser.post('/put', { user: 'virk' })
    const [[, initiated], [, committed]] = await take(2)
    const id = initiated.sessionId
    assert.deepEqual(initiated, { sessionId: id, fresh: true, readonly: false, driver: 'memory' })
    assert.deepEqual(committed, { sessionId: id, driver: 'memory', operation: 'written' })

    await browser.get('/all')
    assert.deepEqual((await take(2))[1], [
      'session:committed',
      { sessionId: id, driver: 'memory', operation: 'touched' },
    ])

    const { id: newId } = (await browser.get('/regenerate')).json
    const regenerated = await take(3)
    assert.deepEqual(regenerated.slice(1), [
      ['session:migrated', { fromSessionId: id, toSessionId: newId, driver: 'memory' }],
      ['session:committed', { sessionId: newId, driver: 'memory', operation: 'migrated' }],
    ])

    await browser.get('/clear')
    assert.deepEqual((await take(3)).slice(1), [
      ['session:destroyed', { sessionId: newId, driver: 'memory', reason: 'emptied' }],
      ['session:committed', { sessionId: newId, driver: 'memory', operation: 'written' }],
    ])

    await browser.post('/put', { user: 'virk' })
    await take(2)
    clock.advance(61 * MINUTE)
    const { id: lastId } = (await browser.get('/all')).json
    const ended = await take(3)
    assert.deepEqual(ended[0][1].fresh, true)
    assert.deepEqual(ended.slice(1), [
      ['session:destroyed', { sessionId: newId, driver: 'memory', reason: 'maxLifetime' }],
      ['session:committed', { sessionId: lastId, driver: 'memory', operation: 'migrated' }],
    ])
  })

  test('nothing is emitted when nothing listens', async ({ assert }) => {
    app = await boot('memory')
    const Event = app.app.container.use('Adonis/Core/Event')
    let emits = 0
    const emit = Event.emit.bind(Event)
    Event.emit = ((name: string, data: any) => {
      emits++
      return emit(name, data)
    }) as any
    const browser = new Browser(app.url)
    await browser.post('/put', { user: 'virk' })
    await browser.get('/regenerate')
    await browser.get('/clear')
    assert.equal(emits, 0)

    Event.on('session:committed', () => {})
    await browser.get('/all')
    await until(() => emits > 0)
    assert.equal(emits, 1)
  })
})
