/*
 * @adonisjs/session
 *
 * The database driver with two app processes on one table: two real
 * servers, in two OS processes with their own connection pools, share one
 * session table. Concurrent changes of one session through both must all
 * land.
 */

import { remove } from 'fs-extra'
import { test } from '@japa/runner'
import { TestApp } from './helpers/app'
import { Browser, failures } from './helpers/browser'
import { Child, startChild, stopChild } from './helpers/child_server'
import { DialectName, TestDatabase } from './helpers/database'
import { startDatabasePair } from './helpers/database_pair'
import { defineSessionRoutes } from './helpers/routes'

const DIALECTS: DialectName[] = ['pg', 'mysql']

for (const dialect of DIALECTS) {
  test.group(`database driver (${dialect}): two processes on one table`, (group) => {
    const database = new TestDatabase(dialect)
    let app: TestApp
    let child: Child

    group.setup(async () => {
      const pair = await startDatabasePair(database, dialect)
      ;({ app, child } = pair)
      return pair.stop
    })

    /**
     * 4 clients per server, each holding the browser's cookies
     */
    function clientsOf(browser: Browser) {
      return [app.url, child.url].flatMap((url) =>
        [1, 2, 3, 4].map(() => {
          const client = browser.clone()
          client.baseUrl = url
          return client
        })
      )
    }

    test('the second server is another OS process on the same table', async ({ assert }) => {
      assert.notEqual(child.process.pid, process.pid)
      const browser = new Browser(app.url)
      await browser.post('/put', { user: 'virk' })
      browser.baseUrl = child.url
      assert.deepEqual((await browser.get('/all')).json.values, { user: 'virk' })
    }).timeout(30000)

    test('200 concurrent increments split over both processes all count', async ({ assert }) => {
      const browser = new Browser(app.url)
      await browser.get('/increment/hits')
      const id = (await browser.get('/all')).json.id as string
      const clients = clientsOf(browser)
      const responses = await Promise.all(
        Array.from({ length: 200 }, (_, index) =>
          clients[index % clients.length].get('/increment/hits')
        )
      )
      assert.deepEqual(failures(responses), [])
      assert.deepEqual(await database.peek(id), { hits: 201 })
    }).timeout(60000)

    test('50 concurrent first writes of a new session over both processes keep every change', async ({
      assert,
    }) => {
      const browser = new Browser(app.url)
      const id = (await browser.get('/all')).json.id as string
      assert.isNull(await database.peek(id))
      const clients = clientsOf(browser)
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          clients[index % clients.length].post('/put', { [`tab${index}`]: index })
        )
      )
      assert.deepEqual(failures(responses), [])
      const stored = await database.peek(id)
      assert.lengthOf(Object.keys(stored!), 50)
      assert.equal(stored!.tab0, 0)
      assert.equal(stored!.tab49, 49)
    }).timeout(60000)
  })
}
