/*
 * @adonisjs/session
 *
 * Two app processes on one session table: this one and a child process
 */

import { remove } from 'fs-extra'
import { DialectName, TestDatabase } from './database'
import { defineSessionRoutes } from './routes'
import { startChild, stopChild } from './child_server'

/**
 * Opens `database`, migrates its table, serves an app on it here and a
 * second one in a child process (helpers/database_server.ts); `stop` ends
 * both and closes the database
 */
export async function startDatabasePair(database: TestDatabase, dialect: DialectName) {
  await database.open()
  const app = await database.app()
  await database.migrate(app)
  defineSessionRoutes(app.Route)
  await app.listen()
  const child = await startChild('database_server.ts', [
    dialect,
    database.table,
    database.sqliteFile,
  ])
  async function stop() {
    await stopChild(child.process)
    await remove(child.appRoot)
    await app.close()
    await database.close()
  }
  return { app, child, stop }
}
