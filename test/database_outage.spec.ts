/*
 * @adonisjs/session
 *
 * PostgreSQL frozen (SIGSTOP on its process group) or stopped mid-traffic:
 * requests fail fast with E_SESSION_STORE_UNAVAILABLE (503), a write that
 * answered 503 does not land when the server resumes, and the app recovers
 * without a restart. Runs against a PostgreSQL server this spec starts.
 */

import { test } from '@japa/runner'
import { TestDatabase } from './helpers/database'
import { TestApp } from './helpers/app'
import { Browser, errorMessage } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'
import { PgServer } from './helpers/pg_server'
import { freePort } from './helpers/redis_server'
import { SessionStoreUnavailableException } from '../src/errors'

const JSON_HEADERS = { accept: 'application/json' }
const FAIL_FAST_MS = 2000

function unavailable(reason: string) {
  return SessionStoreUnavailableException.create('database', reason).message
}

test.group('database driver: PostgreSQL outages', (group) => {
  let server: PgServer
  let database: TestDatabase
  let testApp: TestApp
  let gate: { reached: Promise<void>; release: () => void; arrive: () => void } | null = null

  group.setup(async () => {
    server = new PgServer(await freePort())
    server.init()
    await server.start()
    const config = {
      client: 'pg',
      connection: { host: '127.0.0.1', port: server.port, user: 'postgres', database: 'postgres' },
    }
    database = new TestDatabase('pg', config)
    await database.openMigrated()

    testApp = await database.app({ storeTimeout: 1500 })
    defineSessionRoutes(testApp.Route)
    testApp.Route.get('/held-increment', async ({ session }) => {
      session.increment('hits')
      gate!.arrive()
      await new Promise<void>((resolve) => (gate!.release = resolve))
      return 'counted'
    })
    await testApp.listen()
    return async () => {
      await testApp.close()
      await database.knex.destroy()
      await server.destroy()
    }
  })

  /**
   * A request stopped in its handler (the session read) until released
   */
  function holdNext() {
    let arrive = () => {}
    const reached = new Promise<void>((resolve) => (arrive = resolve))
    gate = { reached, arrive, release: () => {} }
    return gate
  }

  async function timed(request: Promise<any>) {
    const startedAt = Date.now()
    const response = await request
    return { response, ms: Date.now() - startedAt }
  }

  test('frozen: 503 within 2 s, the abandoned write never lands, then recovery', async ({
    assert,
  }) => {
    const browser = new Browser(testApp.url)
    await browser.get('/increment/hits')
    const id = (await browser.get('/all')).json.id

    const held = holdNext()
    const write = timed(browser.get('/held-increment', JSON_HEADERS))
    await held.reached
    server.freeze()
    held.release()
    const { response, ms } = await write
    assert.equal(response.status, 503)
    assert.equal(
      errorMessage(response),
      unavailable('UPDATE on connection "primary" got no answer within 1500ms')
    )
    assert.isBelow(ms, FAIL_FAST_MS)

    const read = await timed(browser.get('/all', JSON_HEADERS))
    assert.equal(read.response.status, 503)
    assert.isBelow(read.ms, FAIL_FAST_MS)

    server.thaw()
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.deepEqual(await database.peek(id), { hits: 1 }, 'the abandoned UPDATE ran late')
    const after = await browser.get('/increment/hits')
    assert.equal(after.status, 200)
    assert.deepEqual(await database.peek(id), { hits: 2 })
  }).timeout(20000)

  test('stopped: 503 within 2 s, then the next request after a restart works', async ({
    assert,
  }) => {
    const browser = new Browser(testApp.url)
    await browser.get('/increment/hits')
    const id = (await browser.get('/all')).json.id
    await server.stop()

    const read = await timed(browser.get('/all', JSON_HEADERS))
    assert.equal(read.response.status, 503)
    assert.match(errorMessage(read.response), /^E_SESSION_STORE_UNAVAILABLE: /)
    assert.isBelow(read.ms, FAIL_FAST_MS)

    await server.start()
    const after = await browser.get('/increment/hits')
    assert.equal(after.status, 200)
    assert.deepEqual(await database.peek(id), { hits: 2 })
  }).timeout(30000)
})
