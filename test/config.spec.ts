/*
 * @adonisjs/session
 *
 * Config validation at boot, with the exact messages users see
 */

import { test } from '@japa/runner'
import { setupApp, TestApp, SESSION_DEFAULTS } from './helpers/app'
import { Browser } from './helpers/browser'
import { redisClient, redisConnections } from './helpers/redis'
import { resolveConfig } from '../src/SessionManager/config'

const base = { ...SESSION_DEFAULTS, driver: 'memory' }

async function bootError(config: Record<string, any>, options: Record<string, any> = {}) {
  try {
    const app = await setupApp(config, options)
    await app.close()
  } catch (error) {
    return `${error.code}|${error.message}`
  }
  return 'booted'
}

test.group('config validation', () => {
  test('a missing driver names config/session', async ({ assert }) => {
    assert.equal(
      await bootError({ ...base, driver: undefined }),
      'E_INVALID_SESSION_DRIVER_CONFIG|E_INVALID_SESSION_DRIVER_CONFIG: Missing "driver" for session inside "config/session" file. Set it, for example from the SESSION_DRIVER environment variable'
    )
  })

  test('an unknown driver fails at startup', async ({ assert }) => {
    assert.equal(
      await bootError({ ...base, driver: 'mongo' }),
      'E_INVALID_SESSION_DRIVER|E_INVALID_SESSION_DRIVER: "mongo" is not a valid session driver. Use one of cookie, file, redis, database, memory or register it with Session.extend() before the first request'
    )
  })

  test('the file driver needs file.location', async ({ assert }) => {
    assert.equal(
      await bootError({ ...base, driver: 'file', file: {} }),
      'E_INVALID_SESSION_DRIVER_CONFIG|E_INVALID_SESSION_DRIVER_CONFIG: Missing "file.location" for session file driver inside "config/session" file'
    )
  })

  test('the redis driver needs redisConnection', async ({ assert }) => {
    assert.equal(
      await bootError(
        { ...base, driver: 'redis' },
        { providers: ['@adonisjs/redis'], redis: redisConnections }
      ),
      'E_INVALID_SESSION_DRIVER_CONFIG|E_INVALID_SESSION_DRIVER_CONFIG: Missing "redisConnection" for session redis driver inside "config/session" file'
    )
  })

  test('the redis driver needs @adonisjs/redis', async ({ assert }) => {
    assert.equal(
      await bootError({ ...base, driver: 'redis', redisConnection: 'local' }),
      'E_INVALID_SESSION_DRIVER_CONFIG|E_INVALID_SESSION_DRIVER_CONFIG: Install and configure "@adonisjs/redis" to use the redis driver for sessions (npm i @adonisjs/redis@7, then node ace configure @adonisjs/redis)'
    )
  })

  test('the redis connection must exist in config/redis', async ({ assert }) => {
    assert.equal(
      await bootError(
        { ...base, driver: 'redis', redisConnection: 'sessions' },
        { providers: ['@adonisjs/redis'], redis: redisConnections }
      ),
      'E_INVALID_SESSION_DRIVER_CONFIG|E_INVALID_SESSION_DRIVER_CONFIG: Redis connection "sessions" used by the session redis driver is not defined inside "config/redis" file'
    )
  })

  test('age must be a duration or milliseconds', async ({ assert }) => {
    assert.equal(
      await bootError({ ...base, age: 'forever' }),
      'E_INVALID_SESSION_DRIVER_CONFIG|E_INVALID_SESSION_DRIVER_CONFIG: Invalid "age" for session inside "config/session" file: expected a duration like \'2h\' or \'2 days\', or a number of milliseconds, got "forever"'
    )
  })

  test('age is read the same way everywhere', ({ assert }) => {
    for (const [age, seconds] of [
      ['2h', 7200],
      ['2 days', 172800],
      [90 * 60 * 1000, 5400],
    ] as const) {
      const config = resolveConfig({ ...base, age })
      assert.equal(config.ttlSeconds, seconds)
      assert.equal(config.cookieOptions.maxAge, seconds)
      assert.equal(config.ageMs, seconds * 1000)
    }
  })

  test('a disabled session config does not need a valid driver setup', async ({ assert }) => {
    assert.equal(await bootError({ ...base, enabled: false, driver: 'file', file: {} }), 'booted')
  })
})

test.group('config reaches the stores', (group) => {
  let app: TestApp
  const redis = redisClient()
  group.each.teardown(() => app?.close())
  group.teardown(() => redis.quit())

  test('a numeric age in milliseconds is the redis TTL', async ({ assert }) => {
    app = await setupApp(
      { ...base, driver: 'redis', redisConnection: 'local', age: 90 * 60 * 1000 },
      { providers: ['@adonisjs/redis'], redis: redisConnections }
    )
    app.Route.get('/put', ({ session }) => {
      session.put('a', 1)
      return session.sessionId
    })
    const browser = new Browser(await app.listen())
    const id = (await browser.get('/put')).text
    const ttl = await redis.ttl(id)
    assert.isAbove(ttl, 5390)
    assert.isAtMost(ttl, 5400)
  })

  /**
   * Boot an app whose `custom` driver records the arguments of its
   * callback, and make one request
   */
  async function extensionArguments(session: Record<string, any>) {
    const calls: any[][] = []
    app = await setupApp(
      { ...base, driver: 'custom', ...session },
      {
        beforeBoot(booted) {
          booted.container.use('Adonis/Addons/Session').extend('custom', (...args) => {
            calls.push(args)
            return { read: () => null, write: () => {}, destroy: () => {}, touch: () => {} }
          })
        },
      }
    )
    app.Route.get('/', () => 'ok')
    await new Browser(await app.listen()).get('/')
    return calls[0]
  }

  test('an extended driver gets exactly config.<name>', async ({ assert }) => {
    const [manager, config] = await extensionArguments({ custom: { table: 'sessions' } })
    assert.deepEqual(config, { table: 'sessions' })
    assert.strictEqual(manager, app.manager)
  })

  test('an extended driver without config.<name> gets {}', async ({ assert }) => {
    const [, config] = await extensionArguments({})
    assert.deepEqual(config, {})
  })

  test('the manager an extension gets exposes the normalised session config', async ({
    assert,
  }) => {
    const [manager] = await extensionArguments({ age: '3h', custom: { table: 'sessions' } })
    assert.equal(manager.config.driver, 'custom')
    assert.equal(manager.config.cookieName, 'adonis-session')
    assert.equal(manager.config.age, '3h')
    assert.equal(manager.config.ageMs, 3 * 60 * 60 * 1000)
    assert.deepEqual(manager.config.custom, { table: 'sessions' })
  })

  test('an extension under a built-in name wins over the built-in', async ({ assert }) => {
    const reads: string[] = []
    app = await setupApp(
      { ...base, driver: 'file', file: { location: '/nonexistent' } },
      {
        beforeBoot(booted) {
          booted.container.use('Adonis/Addons/Session').extend('file', () => ({
            read: (id: string) => {
              reads.push(id)
              return { from: 'extension' }
            },
            write: () => {},
            destroy: () => {},
            touch: () => {},
          }))
        },
      }
    )
    app.Route.get('/', ({ session }) => session.get('from'))
    const browser = new Browser(await app.listen())
    await browser.get('/')
    assert.equal((await browser.get('/')).text, 'extension')
    assert.lengthOf(reads, 1)
  })
})
