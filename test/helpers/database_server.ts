/*
 * @adonisjs/session
 *
 * A second OS process serving the session routes with the database driver,
 * on a table the parent created. Run through startChild with
 * `<dialect> <table> <sqlite file>`.
 */

import 'reflect-metadata'
import { DialectName, TestDatabase } from './database'
import { defineSessionRoutes } from './routes'
import { serveUntilStopped } from './child_server'

async function main() {
  const [dialect, table, sqliteFile] = process.argv.slice(2)
  if (!table) {
    throw new Error('Usage: database_server.ts <dialect> <table> <sqlite file>')
  }
  const database = new TestDatabase(dialect as DialectName, undefined, { table, sqliteFile })
  const app = await database.app()
  defineSessionRoutes(app.Route)
  await app.listen()
  serveUntilStopped(app)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
