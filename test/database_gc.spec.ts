/*
 * @adonisjs/session
 *
 * `node ace session:gc` on the database driver: it deletes the expired
 * rows, in more than one batch, and leaves the live ones
 */

import { test } from '@japa/runner'
import { TestApp } from './helpers/app'
import { runSessionGc } from './helpers/ace'
import { DialectName, TestDatabase } from './helpers/database'
import { generateSessionId } from '../src/SessionId'

const DIALECTS: DialectName[] = ['pg', 'mysql', 'sqlite']

/**
 * More than two of the sweep's batches of 500
 */
const EXPIRED = 1200
const LIVE = 10

for (const dialect of DIALECTS) {
  test.group(`ace session:gc: database driver (${dialect})`, (group) => {
    const database = new TestDatabase(dialect)
    let app: TestApp

    group.setup(async () => {
      await database.open()
      app = await database.app({ gcProbability: 0 })
      await database.migrate(app)
      return async () => {
        await app.close()
        await database.close()
      }
    })

    /**
     * Rows written straight into the table: `count` of them expired a
     * minute ago or due in an hour
     */
    async function insertRows(count: number, expired: boolean) {
      const expiresAt = Date.now() + (expired ? -60_000 : 3_600_000)
      const rows = Array.from({ length: count }, () => {
        const id = generateSessionId()
        return { id, payload: JSON.stringify({ message: {}, purpose: id }), expires_at: expiresAt }
      })
      for (let start = 0; start < rows.length; start += 100) {
        await database.knex(database.table).insert(rows.slice(start, start + 100))
      }
      return rows.map((row) => row.id)
    }

    test('deletes every expired row, keeps the live ones and says how many', async ({ assert }) => {
      await insertRows(EXPIRED, true)
      const live = await insertRows(LIVE, false)

      const { command, logs } = await runSessionGc(app)
      assert.isUndefined(command.error)
      assert.deepEqual(logs, [
        `success: Deleted ${EXPIRED} expired session row(s) from table "${database.table}"`,
      ])
      const left = await database.knex(database.table).select('id')
      assert.sameMembers(
        left.map((row) => row.id),
        live
      )

      const again = await runSessionGc(app)
      assert.deepEqual(again.logs, [
        `success: Deleted 0 expired session row(s) from table "${database.table}"`,
      ])
    }).timeout(60000)
  })
}
