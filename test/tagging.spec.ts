/*
 * @adonisjs/session
 *
 * Sessions per user: session.tag(), Session.sessions() and the Japa
 * helper, on every server-side driver with its real store, across two
 * processes on the file driver, and the cookie driver's refusal
 */

import { Group, test } from '@japa/runner'
import { Assert } from '@japa/assert'
import { ApiClient } from '@japa/api-client'
import { join } from 'path'
import { promises as fs } from 'fs'
import { remove } from 'fs-extra'
import type { AppOptions, TestApp } from './helpers/app'
import { setupApp, tmpPath, SESSION_DEFAULTS } from './helpers/app'
import { redisApp, redisClient } from './helpers/redis'
import { Browser, errorMessage } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'
import { fileApp } from './helpers/file_app'
import { signedIn, taggingCases, twoProcessTaggingCases } from './helpers/tagging'
import { DialectName, TestDatabase } from './helpers/database'
import { startDatabasePair } from './helpers/database_pair'
import { Child, startChild, stopChild } from './helpers/child_server'
import { MemoryDriver } from '../src/Drivers/Memory'
import { FileDriver } from '../src/Drivers/File'
import { RedisDriver } from '../src/Drivers/Redis'
import { DatabaseDriver } from '../src/Drivers/Database'

/**
 * The ids a built-in driver's index holds for a user
 */
async function indexed(app: TestApp, userId: string) {
  const driver = app.manager.createDriver() as
    | MemoryDriver
    | FileDriver
    | RedisDriver
    | DatabaseDriver
  return [...(await driver.tags.members(userId))].sort()
}

/**
 * Gives each test of the group a new app from `setup` with the session
 * routes, listening and closed after the test; returns the current one
 */
function eachApp(group: Group, setup: () => Promise<TestApp>): () => TestApp {
  let app: TestApp
  group.each.setup(async () => {
    app = await setup()
    defineSessionRoutes(app.Route)
    await app.listen()
    return () => app.close()
  })
  return () => app
}

test.group('session tags: memory driver', (group) => {
  const app = eachApp(group, () => setupApp({ ...SESSION_DEFAULTS, driver: 'memory' }))
  taggingCases({
    app,
    indexed,
    async expire(_, id) {
      MemoryDriver.sessions.get(id)!.expiresAt = Date.now() - 1
    },
  })
})

test.group('session tags: file driver', (group) => {
  let app: TestApp
  let location: string
  group.each.setup(async () => {
    location = tmpPath('tag-files')
    app = await fileApp(location)
    return async () => {
      await app.close()
      await remove(location)
    }
  })
  taggingCases({
    app: () => app,
    indexed,
    async expire(_, id) {
      const past = new Date(Date.now() - 3 * 3600 * 1000)
      await fs.utimes(join(location, `${id}.txt`), past, past)
    },
  })
})

test.group('session tags: redis driver', (group) => {
  const app = eachApp(group, () => redisApp())
  const redis = redisClient()
  group.teardown(() => redis.quit())
  taggingCases({
    app,
    indexed,
    async expire(_, id) {
      await redis.pexpire(id, 1)
      await new Promise((resolve) => setTimeout(resolve, 20))
    },
  })

  test('the index is one set per user whose TTL is the age', async ({ assert }) => {
    const { id } = await signedIn(app().url, 'ttl-user')
    const key = 'adonis-session:tagged:ttl-user'
    assert.deepEqual(await redis.smembers(key), [id])
    assert.closeTo(await redis.ttl(key), 7200, 5)
    assert.equal(JSON.parse((await redis.get(id))!).tag.userId, 'ttl-user')
    await app().manager.sessions().destroyTagged('ttl-user')
    assert.equal(await redis.exists(key), 0)
  })
})

const DIALECTS: DialectName[] = ['pg', 'mysql', 'sqlite']

for (const dialect of DIALECTS) {
  test.group(`session tags: database driver (${dialect})`, (group) => {
    const database = new TestDatabase(dialect)
    group.setup(async () => {
      await database.openMigrated()
      return () => database.close()
    })
    const app = eachApp(group, () => database.app())
    taggingCases({
      app,
      indexed,
      expire: (_, id) => database.expire(id),
    })

    test('user_id holds the tagged user, written with the payload', async ({ assert }) => {
      const userOf = async (id: string) =>
        (await database.knex(database.table).where('id', id).first()).user_id
      const { browser, id } = await signedIn(app().url, 'column-user')
      assert.equal(await userOf(id), 'column-user')
      const row = await database.knex(database.table).where('id', id).first()
      assert.equal(JSON.parse(row.payload).tag.userId, 'column-user')
      await browser.get('/tag/other-user')
      assert.equal(await userOf(id), 'other-user')
      await browser.get('/untag')
      assert.isNull(await userOf(id))
      assert.deepEqual((await browser.get('/all')).json.values, { auth_web: 'column-user' })
    })

    test('a user id longer than the user_id column is a coded error', async ({ assert }) => {
      const browser = new Browser(app().url)
      await browser.post('/put', { cart: 1 })
      const response = await browser.get(`/tag/${'u'.repeat(65)}`, {
        accept: 'application/json',
      })
      assert.equal(response.status, 500)
      assert.equal(
        errorMessage(response),
        `E_RUNTIME_EXCEPTION: The session database driver stores user ids of up to 64 characters in the "user_id" column of table "${database.table}", got 65. Tag sessions with a shorter id`
      )
      assert.deepEqual((await browser.get('/all')).json.values, { cart: 1 })
    })
  })
}

for (const dialect of ['pg', 'mysql'] as DialectName[]) {
  test.group(`session tags: database driver (${dialect}), two processes`, (group) => {
    const database = new TestDatabase(dialect)
    let app: TestApp
    let child: Child

    group.setup(async () => {
      const pair = await startDatabasePair(database, dialect)
      ;({ app, child } = pair)
      return pair.stop
    })

    twoProcessTaggingCases({
      app: () => app,
      otherUrl: () => child.url,
      indexed,
      async storedUserId(id) {
        return (await database.knex(database.table).where('id', id).first()).user_id
      },
    })
  })
}

test.group('session tags: last activity', (group) => {
  const app = eachApp(group, async () => {
    const testApp = await setupApp({ ...SESSION_DEFAULTS, driver: 'memory', refreshAfter: 0 })
    testApp.Route.get('/tag-empty', ({ session }) => session.tag('' as any))
    return testApp
  })

  test('past refreshAfter, a request that changes nothing stores the activity', async ({
    assert,
  }) => {
    const { browser } = await signedIn(app().url, 'active-user')
    const [before] = await app().manager.sessions().tagged('active-user')
    await new Promise((resolve) => setTimeout(resolve, 5))
    assert.equal((await browser.get('/all')).status, 200)
    const [after] = await app().manager.sessions().tagged('active-user')
    assert.isAbove(after.lastActiveAt.getTime(), before.lastActiveAt.getTime())
    assert.equal(after.createdAt.getTime(), before.createdAt.getTime())
  })

  test('an untagged session is never written by a request that changes nothing', async ({
    assert,
  }) => {
    const browser = new Browser(app().url)
    await browser.post('/put', { cart: 1 })
    const id = (await browser.get('/all')).json.id
    const stored = MemoryDriver.sessions.get(id)!
    await browser.get('/all')
    assert.strictEqual(MemoryDriver.sessions.get(id), stored)
  })

  test('tag() refuses what is not a user id', async ({ assert }) => {
    const browser = new Browser(app().url)
    await browser.post('/put', { cart: 1 })
    const response = await browser.get('/tag-empty', { accept: 'application/json' })
    assert.equal(response.status, 500)
    assert.equal(
      errorMessage(response),
      'E_RUNTIME_EXCEPTION: session.tag() expects the user id as a non-empty string or a finite number'
    )
  })
})

test.group('session tags: cookie driver', (group) => {
  const app = eachApp(group, () => setupApp({ ...SESSION_DEFAULTS, driver: 'cookie' }))

  test('tag() works, the collection says to use a server-side driver', async ({ assert }) => {
    const { browser } = await signedIn(app().url, 'cookie-user')
    assert.deepEqual((await browser.get('/all')).json.values, { auth_web: 'cookie-user' })
    const sessions = app().manager.sessions()
    assert.isFalse(sessions.supportsTagging())
    const message =
      'E_SESSION_TAGGING_NOT_SUPPORTED: The "cookie" session driver cannot list or destroy sessions by user. Use a server-side driver (memory, file, redis or database) inside "config/session" file'
    await assert.rejects(() => sessions.tagged('cookie-user'), message)
    await assert.rejects(() => sessions.destroy('x'.repeat(32)), message)
    await assert.rejects(() => sessions.destroyTagged('cookie-user'), message)
    const error = await sessions.tagged(1).catch((failure) => failure)
    assert.equal(error.code, 'E_SESSION_TAGGING_NOT_SUPPORTED')
  })
})

test.group('session tags: file driver, two processes', (group) => {
  let app: TestApp
  let child: Child
  let location: string

  group.setup(async () => {
    location = tmpPath('tag-processes')
    app = await fileApp(location)
    child = await startChild('file_server.ts', [location])
    return async () => {
      await stopChild(child.process)
      await remove(child.appRoot)
      await app.close()
      await remove(location)
    }
  })

  twoProcessTaggingCases({ app: () => app, otherUrl: () => child.url, indexed })
})

const HELPER_DRIVERS: Record<string, [Record<string, any>, AppOptions]> = {
  memory: [{ driver: 'memory' }, {}],
  redis: [{ driver: 'redis', redisConnection: 'local' }, { providers: ['@adonisjs/redis'] }],
}

for (const [name, [config, options]] of Object.entries(HELPER_DRIVERS)) {
  test.group(`session tags: japa sessionTag() helper, ${name} driver`, (group) => {
    let app: TestApp
    let client: ApiClient
    group.each.setup(async () => {
      ApiClient.clearRequestHandlers()
      const { redisConnections } = await import('./helpers/redis')
      app = await setupApp(
        { ...SESSION_DEFAULTS, ...config },
        {
          ...options,
          redis: options.providers ? redisConnections : undefined,
          environment: 'test',
          providers: [...(options.providers || []), '@japa/preset-adonis/TestsProvider'],
        }
      )
      app.Route.get('/devices', async ({ session }) => {
        const listed = await app.manager.sessions().tagged(session.get('user'))
        return listed.map((device) => ({ current: device.id === session.sessionId }))
      })
      client = new ApiClient(await app.listen(), new Assert())
      return () => app.close()
    })

    test('a request can carry a session tagged with a user', async ({ assert }) => {
      const response = await client.get('/devices').session({ user: 7 }).sessionTag(7)
      assert.deepEqual(response.body(), [{ current: true }])
      assert.deepEqual(await app.manager.sessions().tagged(7), [])
    })
  })
}
