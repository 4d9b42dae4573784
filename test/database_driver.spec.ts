/*
 * @adonisjs/session
 *
 * What is specific to the database driver: racing first writes, two apps
 * on one table, payload size, expiry, the sweep, boot errors
 */

import { test } from '@japa/runner'
import { DialectName, TestDatabase, recordStatements } from './helpers/database'
import { TestApp, setupApp, SESSION_DEFAULTS } from './helpers/app'
import { Browser, errorMessage, failures } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'
import { SessionPayloadTooLargeException } from '../src/errors'
import { generateSessionId } from '../src/SessionId'
import { encodePayload } from '../src/Drivers/Shared/payload'
import type { DatabaseDriver } from '../src/Drivers/Database'

const DIALECTS: DialectName[] = ['pg', 'mysql', 'sqlite']
const JSON_HEADERS = { accept: 'application/json' }

async function listening(appPromise: Promise<TestApp>) {
  const testApp = await appPromise
  defineSessionRoutes(testApp.Route)
  testApp.Route.get('/big/:bytes', ({ session, params }) => {
    session.put('big', 'x'.repeat(Number(params.bytes)))
    return 'stored'
  })
  await testApp.listen()
  return testApp
}

for (const dialect of DIALECTS) {
  test.group(`database driver (${dialect})`, (group) => {
    const database = new TestDatabase(dialect)
    let apps: TestApp[] = []

    group.setup(async () => {
      await database.openMigrated()
      return () => database.close()
    })

    group.each.teardown(async () => {
      await Promise.all(apps.map((app) => app.close()))
      apps = []
    })

    async function start(...args: Parameters<TestDatabase['app']>) {
      const testApp = await listening(database.app(...args))
      apps.push(testApp)
      return testApp
    }

    test('50 concurrent first writes of one new session from two apps keep every change', async ({
      assert,
    }) => {
      const one = await start()
      const two = await start({}, { name: 'secondary' })
      const browser = new Browser(one.url)
      const id = (await browser.get('/all')).json.id
      assert.isNull(await database.peek(id))

      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, index) => {
          const tab = browser.clone()
          tab.baseUrl = index % 2 ? two.url : one.url
          return tab.post('/put', { [`tab${index}`]: index })
        })
      )
      assert.deepEqual(failures(responses), [])
      const stored = await database.peek(id)
      assert.lengthOf(Object.keys(stored!), 50)
      assert.equal(stored!.tab49, 49)
    }).timeout(30000)

    test('two apps on one table keep 200 concurrent increments', async ({ assert }) => {
      // What is checked is that no increment is lost; a loaded machine must not turn
      // the wait for the row into a 503
      const one = await start({ storeTimeout: '10s' })
      const two = await start({ storeTimeout: '10s' }, { name: 'secondary' })
      const browser = new Browser(one.url)
      await browser.get('/increment/hits')
      const responses = await Promise.all(
        Array.from({ length: 200 }, (_, index) => {
          const tab = browser.clone()
          tab.baseUrl = index % 2 ? two.url : one.url
          return tab.get('/increment/hits')
        })
      )
      assert.deepEqual(failures(responses), [])
      assert.equal((await browser.get('/get/hits')).json.value, 201)
    }).timeout(60000)

    test('an expired row reads as no session when the client replays its cookie', async ({
      assert,
    }) => {
      // No background sweep: it could delete the expired row this test reads back
      const testApp = await start({ gcProbability: 0 })
      const browser = new Browser(testApp.url)
      await browser.post('/put', { user: 'virk' })
      const id = (await browser.get('/all')).json.id
      const cookies = new Map(browser.cookies)
      await database.expire(id)

      const replayed = new Browser(testApp.url)
      replayed.cookies = cookies
      assert.deepEqual((await replayed.get('/all')).json.values, {})
      await replayed.get('/get/user')
      const row = await database.knex(database.table).where('id', id).first()
      assert.isBelow(Number(row.expires_at), Date.now(), 'a read-only request does not revive it')

      await replayed.post('/put', { fresh: true })
      assert.deepEqual((await replayed.get('/all')).json.values, { fresh: true })
    })

    test('a read-only request costs one query; the expiry moves once per refreshAfter', async ({
      assert,
    }) => {
      // No background sweep: its DELETE would be counted with the session's statements
      const testApp = await start({ refreshAfter: 0.5, gcProbability: 0 })
      const browser = new Browser(testApp.url)
      await browser.post('/put', { user: 'virk' })
      const recording = recordStatements(testApp, dialect)
      const queries = recording.statements
      await browser.get('/get/user')
      assert.lengthOf(queries, 1)
      assert.match(queries[0], /^select id, payload/)

      const id = (await browser.get('/all')).json.id
      await database
        .knex(database.table)
        .where('id', id)
        .update({ expires_at: Date.now() + 1000 })
      queries.length = 0
      await browser.get('/get/user')
      assert.lengthOf(queries, 2)
      assert.match(queries[1], /^update .* set expires_at/)
      const row = await database.knex(database.table).where('id', id).first()
      recording.stop()
      assert.isAbove(Number(row.expires_at), Date.now() + 7000_000)
    })

    test('the reads of one turn share one statement; each gets its own row, an expired one none', async ({
      assert,
    }) => {
      const testApp = await start({ gcProbability: 0 })
      const ids: string[] = []
      for (const user of ['virk', 'romain', 'julien']) {
        const browser = new Browser(testApp.url)
        await browser.post('/put', { user })
        ids.push((await browser.get('/all')).json.id)
      }
      await database.expire(ids[2])
      const runtime = (testApp.manager as any).database.runtime
      runtime.clockOffset = null

      const recording = recordStatements(testApp, dialect)
      const asked = [ids[0], ids[1], ids[0], ids[2], generateSessionId()]
      const drivers = asked.map(() => testApp.manager.createDriver() as DatabaseDriver)
      const reads = await Promise.all(asked.map((id, index) => drivers[index].read(id)))
      recording.stop()

      assert.lengthOf(recording.statements, 1)
      assert.match(recording.statements[0], /^select id, payload.* where id (= any\(|in \()/)
      assert.deepEqual(reads, [{ user: 'virk' }, { user: 'romain' }, { user: 'virk' }, null, null])
      assert.notStrictEqual(reads[0], reads[2], 'each request gets values of its own')
      assert.isTrue(Number.isFinite(runtime.clockOffset), 'the batch measured the database clock')

      await drivers[2].write(ids[0], { user: 'virk', second: true })
      assert.deepEqual(await database.peek(ids[0]), { user: 'virk', second: true })
      await database.knex(database.table).whereIn('id', ids).delete()
    })

    test('the sweep deletes 10,000 expired rows in batches while requests succeed', async ({
      assert,
    }) => {
      const testApp = await start({ gcProbability: 0 })
      const past = Date.now() - 60_000
      const rows = Array.from({ length: 10_000 }, (_, index) => ({
        id: `expired${index}`,
        payload: '{}',
        version: 1,
        expires_at: past,
      }))
      for (let offset = 0; offset < rows.length; offset += 500) {
        await database.knex(database.table).insert(rows.slice(offset, offset + 500))
      }
      const browser = new Browser(testApp.url)
      await browser.get('/increment/hits')

      const sweeper = testApp.manager.sweeper() as any
      const [deleted, responses] = await Promise.all([
        sweeper.sweep(),
        Promise.all(Array.from({ length: 100 }, () => browser.clone().get('/increment/hits'))),
      ])
      assert.equal(deleted, 10_000)
      assert.deepEqual(failures(responses), [])
      assert.equal((await browser.get('/get/hits')).json.value, 101)
      const left = await database
        .knex(database.table)
        .where('expires_at', '<', Date.now())
        .count({ count: '*' })
      assert.equal(Number(left[0].count), 0)
    }).timeout(60000)
  })
}

test.group('database driver: a case-insensitive id column (MariaDB)', (group) => {
  const database = new TestDatabase('mysql')
  const table = `${database.table}_ci`
  let testApp: TestApp

  group.setup(async () => {
    await database.open()
    await database.knex.schema.createTable(table, (columns) => {
      columns.collate('utf8mb4_general_ci')
      columns.string('id', 64).primary()
      columns.text('payload', 'mediumtext').notNullable()
      columns.bigInteger('version').notNullable().defaultTo(1)
      columns.bigInteger('expires_at').notNullable()
      columns.string('user_id', 64).nullable()
    })
    testApp = await listening(database.app({ database: { table } }))
    return async () => {
      await testApp.close()
      await database.knex.schema.dropTableIfExists(table)
      await database.close()
    }
  })

  test('an id matching another row only by case is refused, read alone or in a batch', async ({
    assert,
  }) => {
    const lower = generateSessionId()
      .toLowerCase()
      .replace(/[^a-z]/g, 'a')
    const upper = lower.toUpperCase()
    const other = generateSessionId()
    await database.knex(table).insert({
      id: lower,
      payload: encodePayload(lower, { user: 'virk' }),
      version: 1,
      expires_at: Date.now() + 60_000,
    })
    const read = (id: string) =>
      (testApp.manager.createDriver() as DatabaseDriver).read(id).catch((error) => error)

    const alone = await read(upper)
    assert.equal(alone.code, 'E_RUNTIME_EXCEPTION')
    assert.match(alone.message, /compares case-insensitively/)

    const [first, second, third] = await Promise.all([read(lower), read(upper), read(other)])
    assert.deepEqual(first, { user: 'virk' })
    assert.equal(second.code, 'E_RUNTIME_EXCEPTION')
    assert.match(second.message, /compares case-insensitively/)
    assert.isNull(third)
  })
})

test.group('database driver: payload size', (group) => {
  const databases: TestDatabase[] = []
  let apps: TestApp[] = []
  group.each.teardown(async () => {
    await Promise.all(apps.map((app) => app.close()))
    apps = []
  })
  group.teardown(async () => {
    await Promise.all(databases.map((database) => database.close()))
  })

  /**
   * A table made by hand, with a payload column smaller than the migration's
   */
  async function smallTable(dialect: DialectName, type: string, script = '') {
    const database = new TestDatabase(dialect)
    databases.push(database)
    await database.open()
    await database.knex.schema.createTable(database.table, (table) => {
      table.string('id', 64).primary()
      table.specificType('payload', type).notNullable()
      table.bigInteger('version').notNullable()
      table.bigInteger('expires_at').notNullable()
      table.string('user_id', 64).nullable()
    })
    const testApp = await listening(database.app({}, { script }))
    apps.push(testApp)
    return { database, browser: new Browser(testApp.url) }
  }

  async function assertRefused(
    assert: any,
    database: TestDatabase,
    browser: Browser,
    bytes: number,
    limit: number | string
  ) {
    await browser.post('/put', { kept: true })
    const id = (await browser.get('/all')).json.id
    const response = await browser.get(`/big/${bytes}`, JSON_HEADERS)
    assert.equal(response.status, 500)
    const size = bytes + JSON.stringify({ message: { kept: true, big: '' }, purpose: id }).length
    const expected =
      typeof limit === 'number'
        ? SessionPayloadTooLargeException.column(database.table, size, limit)
        : SessionPayloadTooLargeException.fromDatabase(database.table, limit)
    assert.equal(errorMessage(response), expected.message)
    assert.deepEqual(await database.peek(id), { kept: true })
  }

  test('PostgreSQL: a payload over a varchar(2000) column is refused, nothing cut', async ({
    assert,
  }) => {
    const { database, browser } = await smallTable('pg', 'varchar(2000)')
    const reason = 'value too long for type character varying(2000)'
    await assertRefused(assert, database, browser, 3000, reason)
  })

  test('MariaDB in strict mode: a payload over a TEXT column (64 KB) is refused', async ({
    assert,
  }) => {
    const { database, browser } = await smallTable('mysql', 'text')
    await assertRefused(assert, database, browser, 70_000, 65_535)
  })

  test('MariaDB outside strict mode: refused too, never stored cut', async ({ assert }) => {
    const loose = `module.exports.connections.primary.pool = {
  afterCreate(connection, done) { connection.query("SET SESSION sql_mode = ''", (error) => done(error, connection)) },
}\n`
    const { database, browser } = await smallTable('mysql', 'text', loose)
    await assertRefused(assert, database, browser, 70_000, 65_535)
  })

  test('the migration column holds a 1 MB payload on every dialect', async ({ assert }) => {
    for (const dialect of DIALECTS) {
      const database = new TestDatabase(dialect)
      databases.push(database)
      await database.openMigrated()
      const testApp = await listening(database.app())
      apps.push(testApp)
      const browser = new Browser(testApp.url)
      assert.equal((await browser.get('/big/1000000')).status, 200)
      const id = (await browser.get('/all')).json.id
      assert.lengthOf((await database.peek(id))!.big, 1_000_000)
    }
  }).timeout(30000)
})

test.group('database driver: boot', () => {
  test('without @adonisjs/lucid the app fails at boot naming what to install', async ({
    assert,
  }) => {
    await assert.rejects(
      () => setupApp({ ...SESSION_DEFAULTS, driver: 'database' }),
      'E_INVALID_SESSION_DRIVER_CONFIG: Install and configure "@adonisjs/lucid" to use the database driver for sessions (npm i @adonisjs/lucid@18, then node ace configure @adonisjs/lucid)'
    )
  })

  test('an unknown connection fails at boot naming config/database', async ({ assert }) => {
    const database = new TestDatabase('sqlite')
    await assert.rejects(
      () => database.app({ database: { connection: 'missing' } }),
      'E_INVALID_SESSION_DRIVER_CONFIG: Database connection "missing" used by the session database driver is not defined inside "config/database" file'
    )
  })
})
